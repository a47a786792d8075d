namespace Lockbox.Vault.Server.Secrets;

/// <summary>
/// Where the vault's secrets may come from. Not the command line: every local user can read a
/// process's arguments (/proc/PID/cmdline, ps). The environment is fine (/proc/PID/environ is the
/// owner's and root's alone), as ASP.NET Core's double-underscore names (Vault__Jwt__SigningKey), and so
/// is a file that only the vault's user can open, named by the option's File twin
/// (Vault:Jwt:SigningKeyFile): what systemd's LoadCredential= and container secrets hand over.
/// </summary>
internal static partial class SecretSources
{
    /// <summary>Lets secrets come on the command line, with a warning: for development only.</summary>
    public const string AllowInArgs = "Vault:AllowSecretsInArgs";

    /// <summary>
    /// Every option that holds a secret. Each has a twin, its name with "File" appended, naming a file
    /// that holds it. The connection string counts whether or not it carries a password: the vault
    /// never looks at a secret's value to decide.
    /// </summary>
    public static readonly IReadOnlyList<string> Options =
    [
        "Vault:Jwt:SigningKey",
        "Vault:Keys:Pkcs11Pin",
        "Vault:Storage:PostgresConnectionString",
        "Vault:Metrics:Token",
    ];

    /// <summary>True when <paramref name="key"/> (a configuration key) is one of <see cref="Options"/>.</summary>
    public static bool IsSecret(string key) => Options.Contains(key, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The secret options that <paramref name="args"/> name, in any form the command line takes:
    /// --Name=value, --Name value, /Name, -Name, Name=value, any case, and "__" for ":". Only the
    /// names are read, never the values.
    /// </summary>
    public static IReadOnlyList<string> NamedIn(IEnumerable<string> args)
    {
        var named = new List<string>();
        foreach (string arg in args)
        {
            string key = arg.StartsWith("--", StringComparison.Ordinal) ? arg[2..]
                : arg.StartsWith('-') || arg.StartsWith('/') ? arg[1..]
                : arg;
            int equals = key.IndexOf('=', StringComparison.Ordinal);
            key = (equals >= 0 ? key[..equals] : key).Replace("__", ":", StringComparison.Ordinal).Trim();
            string? option = Options.FirstOrDefault(o => string.Equals(o, key, StringComparison.OrdinalIgnoreCase));
            if (option is not null && !named.Contains(option))
            {
                named.Add(option);
            }
        }

        return named;
    }

    /// <summary>
    /// Throws if <paramref name="args"/> carry a secret, unless <see cref="AllowInArgs"/> is true in
    /// <paramref name="configuration"/>; returns the secrets they carry, for <see cref="WarnInArgs"/>.
    /// </summary>
    public static IReadOnlyList<string> RefuseInArgs(IReadOnlyList<string> args, IConfiguration configuration)
    {
        var named = NamedIn(args);
        if (named.Count > 0 && !configuration.GetValue<bool>(AllowInArgs))
        {
            string first = named[0];
            throw new VaultStartupException(
                $"{string.Join(", ", named)} came on the command line, where every local user can read it (/proc/<pid>/cmdline). "
                + $"Pass it in the environment ({first.Replace(":", "__", StringComparison.Ordinal)}=...) or in a file that only this user "
                + $"can read ({first}File=/path/to/file, chmod 600). {AllowInArgs}=true lets it through, for development only.");
        }

        return named;
    }

    /// <summary>Logs that <paramref name="named"/> came on the command line by <see cref="AllowInArgs"/>, if any did.</summary>
    public static void WarnInArgs(ILogger logger, IReadOnlyList<string> named)
    {
        if (named.Count > 0)
        {
            LogSecretsInArgs(logger, string.Join(", ", named), AllowInArgs);
        }
    }

    /// <summary>Fills each secret option that is given by its File twin from that file.</summary>
    public static void Resolve(VaultOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Jwt.SigningKey = Read("Vault:Jwt:SigningKey", options.Jwt.SigningKey, options.Jwt.SigningKeyFile);
        options.Keys.Pkcs11Pin = Read("Vault:Keys:Pkcs11Pin", options.Keys.Pkcs11Pin, options.Keys.Pkcs11PinFile);
        options.Storage.PostgresConnectionString = Read(
            "Vault:Storage:PostgresConnectionString", options.Storage.PostgresConnectionString, options.Storage.PostgresConnectionStringFile);
        options.Metrics.Token = Read("Vault:Metrics:Token", options.Metrics.Token, options.Metrics.TokenFile);
    }

    /// <summary>The secret <paramref name="option"/>: <paramref name="value"/>, or the content of <paramref name="file"/> if that is set.</summary>
    private static string? Read(string option, string? value, string? file)
    {
        if (string.IsNullOrEmpty(file))
        {
            return string.IsNullOrEmpty(value) ? null : value;
        }

        if (!string.IsNullOrEmpty(value))
        {
            throw new VaultStartupException($"Both {option} and {option}File are set; set one of them.");
        }

        string fileOption = option + "File";
        try
        {
            OwnerOnly.RequireFile(file, fileOption);
            // Trimmed: `echo`, `base64` and editors end the file with a line break.
            string secret = File.ReadAllText(file).Trim();
            return secret.Length > 0 ? secret : throw new VaultStartupException($"{fileOption}: '{file}' is empty.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // These messages name the file, never its content.
            throw new VaultStartupException($"{fileOption}: cannot read '{file}': {e.Message}", e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "{Options} came on the command line, where every local user can read it, because {Switch} is true: for development only")]
    private static partial void LogSecretsInArgs(ILogger logger, string options, string @switch);
}
