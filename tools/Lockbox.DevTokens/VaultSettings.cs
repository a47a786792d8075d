namespace Lockbox.DevTokens;

/// <summary>The Vault:Jwt settings under which a vault accepts this tool's tokens: made from the tool's own key, never read from a vault.</summary>
internal static class VaultSettings
{
    /// <summary>Each setting, by its configuration key, in the order they are printed.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> For(DevKey key, string issuer, string audience)
    {
        ArgumentNullException.ThrowIfNull(key);
        return
        [
            new("Vault:Jwt:Algorithm", "ES256"),
            new("Vault:Jwt:Issuer", issuer),
            new("Vault:Jwt:Audience", audience),
            new($"Vault:Jwt:Keys:{key.Kid}", key.PublicKeyBase64),
        ];
    }

    /// <summary>As lockbox-vault's command-line arguments.</summary>
    public static IEnumerable<string> AsArguments(IEnumerable<KeyValuePair<string, string>> settings) =>
        settings.Select(s => $"--{s.Key}={s.Value}");

    /// <summary>As environment variables (':' is '__' there).</summary>
    public static IEnumerable<string> AsEnvironment(IEnumerable<KeyValuePair<string, string>> settings) =>
        settings.Select(s => $"{s.Key.Replace(":", "__", StringComparison.Ordinal)}={s.Value}");
}
