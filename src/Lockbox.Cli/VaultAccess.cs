using System.CommandLine;
using Lockbox.Repository;
using Lockbox.Vault.Client;
using Spectre.Console;

namespace Lockbox.Cli;

/// <summary>
/// The key vault as the CLI reaches it: its address, its public key (pinned from configuration,
/// never fetched on first use) and the messaging service's account token.
/// </summary>
internal static class VaultAccess
{
    public static readonly Option<string?> Url = new("--vault")
    {
        Description = "The key vault's address, e.g. https://vault.example. Also read from LOCKBOX_VAULT.",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("LOCKBOX_VAULT"),
    };

    public static readonly Option<string?> PublicKey = new("--vault-public-key")
    {
        Description = "The vault's public key (base64), as shipped with the app. Also read from LOCKBOX_VAULT_PUBLIC_KEY.",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("LOCKBOX_VAULT_PUBLIC_KEY"),
    };

    public static readonly Option<FileInfo?> TokenFile = new("--vault-token-file")
    {
        Description = "A file holding the account token the messaging service issued. Otherwise LOCKBOX_VAULT_TOKEN.",
        Recursive = true,
    };

    public static readonly Option<string?> Account = new("--account")
    {
        Description = "The account the token must be for; checked with the vault before any try is spent. Also read from LOCKBOX_VAULT_ACCOUNT.",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("LOCKBOX_VAULT_ACCOUNT"),
    };

    public static IEnumerable<Option> All => [Url, PublicKey, TokenFile, Account];

    public static (VaultClient Client, HttpClient Http) Connect(ParseResult parse)
    {
        string address = parse.GetValue(Url) is { Length: > 0 } given ? given : throw new LockboxException("No key vault: pass --vault or set LOCKBOX_VAULT.");
        if (!Uri.TryCreate(address, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            throw new UsageException("The vault address must be an http(s) URL.");
        }

        string pinned = parse.GetValue(PublicKey) ?? throw new LockboxException("No pinned vault public key: pass --vault-public-key or set LOCKBOX_VAULT_PUBLIC_KEY.");
        byte[] publicKey;
        try
        {
            publicKey = Convert.FromBase64String(pinned);
        }
        catch (FormatException)
        {
            throw new UsageException("The pinned vault public key is not base64.");
        }

        // Read by the first request, not here: a command that may never call the vault (a key-mode
        // rotation, restore or disable) does not fail for want of a token.
        var token = new Lazy<string>(() => ReadToken(parse));
        HttpClient? http = null;
        try
        {
            // No redirects are followed, and plain http is refused except to a loopback address.
            http = VaultClient.CreateHttpClient(new Uri(url.ToString().TrimEnd('/') + "/"));
            return (new VaultClient(http, new VaultClientOptions
            {
                PinnedPublicKey = publicKey,
                Account = parse.GetValue(Account) is { Length: > 0 } account ? account : null,
                AccessToken = _ => ValueTask.FromResult(token.Value),
            }), http);
        }
        catch (ArgumentException e)
        {
            http?.Dispose();
            throw new UsageException(e.Message);
        }
    }

    private static string ReadToken(ParseResult parse)
    {
        if (parse.GetValue(TokenFile) is not { } tokenFile)
        {
            return Environment.GetEnvironmentVariable("LOCKBOX_VAULT_TOKEN") ?? throw new LockboxException("No account token: pass --vault-token-file or set LOCKBOX_VAULT_TOKEN.");
        }

        try
        {
            return File.ReadAllText(tokenFile.FullName).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LockboxException($"The account token file {tokenFile.FullName} cannot be read ({e.GetType().Name}); check --vault-token-file.", e);
        }
    }

    /// <summary>
    /// Reads a password being set: it must clear the floor (<see cref="PasswordPolicy"/>), and a
    /// guessable one is accepted with a warning that says why. The warning goes to the terminal only.
    /// </summary>
    public static string ReadNewPassword(Terminal terminal, string prompt)
    {
        string password = ReadPassword(terminal, prompt, confirm: true);
        PasswordPolicy.RequireSettable(password);
        if (PasswordPolicy.Assess(password).Warning is { } warning)
        {
            terminal.Error.WriteLine("warning: " + warning);
        }

        return password;
    }

    /// <summary>Reads a password: a hidden prompt on a terminal (asked twice when new), else one line of standard input.</summary>
    public static string ReadPassword(Terminal terminal, string prompt, bool confirm)
    {
        if (terminal.CanPrompt)
        {
            string password = terminal.Console.Prompt(new TextPrompt<string>(prompt).Secret());
            if (confirm && terminal.Console.Prompt(new TextPrompt<string>("Repeat it:").Secret()) != password)
            {
                throw new LockboxException("The two passwords differ; nothing was changed.");
            }

            return password;
        }

        string? line = terminal.Input.ReadLine();
        return string.IsNullOrEmpty(line) ? throw new LockboxException("No password given on standard input.") : line;
    }
}
