using System.Globalization;

namespace Lockbox.DevTokens;

/// <summary>lockbox-dev-tokens: the commands, on writers and a clock the tests can give it.</summary>
internal static class DevTokensProgram
{
    public const string DefaultFolder = "lockbox-dev-tokens";
    public const string DefaultIssuer = "lockbox-messaging";
    public const string DefaultAudience = "lockbox-vault";
    private const int MaxLifetimeSeconds = 7 * 24 * 3600;

    private const string Usage = """
        usage:
          lockbox-dev-tokens init   [--dir DIR] [--issuer ISS] [--audience AUD]
          lockbox-dev-tokens config [--dir DIR] [--issuer ISS] [--audience AUD] [--format all|args|env]
          lockbox-dev-tokens mint   --sub ACCOUNT [--dir DIR] [--issuer ISS] [--audience AUD] [--lifetime SECONDS]

        For local development only. It plays the messaging service, which in production issues the
        account tokens with a key of its own; it never reads a vault's configuration.
          init    makes an ES256 key pair in DIR (default ./lockbox-dev-tokens; the key file is
                  created with mode 0600) and prints the settings under which a lockbox-vault
                  accepts its tokens, and the public key.
          config  prints those settings again, as arguments and environment variables (all), or
                  one form alone, one per line, for $(...) or export.
          mint    prints a token for ACCOUNT on stdout, and nothing else there (lifetime 3600 s
                  unless given, at most 7 days). A token is a secret: whoever holds it can use up
                  the account's password guesses. Keep it out of files, logs and chats.
        Issuer and audience default to lockbox-messaging and lockbox-vault, the vault's defaults.
        exit codes: 0 done, 1 failed (message on stderr), 2 bad usage.
        """;

    public static int Main(string[] args) => Run(args, Console.Out, Console.Error, TimeProvider.System);

    public static int Run(string[] args, TextWriter output, TextWriter error, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(clock);
        if (args.Length == 0 || args[0] is not ("init" or "config" or "mint"))
        {
            error.WriteLine(Usage);
            return 2;
        }

        string[] allowed = args[0] switch
        {
            "init" => ["--dir", "--issuer", "--audience"],
            "config" => ["--dir", "--issuer", "--audience", "--format"],
            _ => ["--dir", "--issuer", "--audience", "--sub", "--lifetime"],
        };
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 1; i < args.Length; i += 2)
        {
            if (!allowed.Contains(args[i], StringComparer.Ordinal) || i + 1 >= args.Length || flags.ContainsKey(args[i]))
            {
                error.WriteLine($"unexpected argument '{args[i]}'\n{Usage}");
                return 2;
            }

            flags[args[i]] = args[i + 1];
        }

        string folder = flags.GetValueOrDefault("--dir", DefaultFolder);
        string issuer = flags.GetValueOrDefault("--issuer", DefaultIssuer);
        string audience = flags.GetValueOrDefault("--audience", DefaultAudience);
        string format = flags.GetValueOrDefault("--format", "all");
        if (issuer.Length == 0 || audience.Length == 0 || format is not ("all" or "args" or "env"))
        {
            error.WriteLine($"--issuer and --audience must not be empty, --format is all, args or env\n{Usage}");
            return 2;
        }

        try
        {
            switch (args[0])
            {
                case "init":
                    using (var key = DevKey.Create(folder))
                    {
                        error.WriteLine($"Made a development ES256 key pair in {DevKey.PathIn(folder)} (mode 0600; keep it out of version control).");
                        PrintSettings(output, key, issuer, audience, "all");
                    }

                    return 0;
                case "config":
                    using (var key = Load(folder, error))
                    {
                        PrintSettings(output, key, issuer, audience, format);
                    }

                    return 0;
                default:
                    return Mint(flags, folder, issuer, audience, output, error, clock);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            error.WriteLine(e.Message + (args[0] == "init" && File.Exists(DevKey.PathIn(folder))
                ? " 'lockbox-dev-tokens config' prints its settings again; delete the file to make a new key."
                : ""));
            return 1;
        }
    }

    private static int Mint(
        Dictionary<string, string> flags, string folder, string issuer, string audience, TextWriter output, TextWriter error, TimeProvider clock)
    {
        if (!flags.TryGetValue("--sub", out string? account) || account.Length == 0)
        {
            error.WriteLine($"mint needs --sub ACCOUNT\n{Usage}");
            return 2;
        }

        int lifetime = 3600;
        if (flags.TryGetValue("--lifetime", out string? text)
            && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out lifetime) || lifetime is < 1 or > MaxLifetimeSeconds))
        {
            error.WriteLine($"--lifetime is a number of seconds from 1 to {MaxLifetimeSeconds}\n{Usage}");
            return 2;
        }

        using var key = Load(folder, error);
        var now = clock.GetUtcNow();
        string token = new AccountToken(account, issuer, audience, TimeSpan.FromSeconds(lifetime)).Mint(key, now);
        // The token goes to stdout alone, for $(...); what it is goes to stderr, which a terminal shows too.
        output.WriteLine(token);
        error.WriteLine(
            $"A development token for account '{account}', valid until {now.AddSeconds(lifetime):u}. It is a secret: anyone holding it "
            + "acts as this account at a vault that trusts this key. Do not paste it into files, logs or chats.");
        return 0;
    }

    private static DevKey Load(string folder, TextWriter error)
    {
        var key = DevKey.Load(folder);
        if (DevKey.IsExposed(folder))
        {
            error.WriteLine($"warning: others may read {DevKey.PathIn(folder)}; chmod 600 it.");
        }

        return key;
    }

    private static void PrintSettings(TextWriter output, DevKey key, string issuer, string audience, string format)
    {
        var settings = VaultSettings.For(key, issuer, audience);
        if (format == "args")
        {
            WriteLines(output, VaultSettings.AsArguments(settings));
            return;
        }

        if (format == "env")
        {
            WriteLines(output, VaultSettings.AsEnvironment(settings));
            return;
        }

        output.WriteLine("# A lockbox-vault with these settings accepts this tool's tokens; they hold the public key only.");
        output.WriteLine("# Leave Vault:Jwt:SigningKey unset: a vault takes one algorithm, and this is ES256.");
        output.WriteLine("# As arguments:");
        WriteLines(output, VaultSettings.AsArguments(settings));
        output.WriteLine("# Or as environment variables:");
        WriteLines(output, VaultSettings.AsEnvironment(settings));
        output.WriteLine($"# The same public key (kid {key.Kid}) as PEM, which Vault:Jwt:Keys:{key.Kid} also takes:");
        output.WriteLine(key.PublicKeyPem);
    }

    private static void WriteLines(TextWriter output, IEnumerable<string> lines)
    {
        foreach (string line in lines)
        {
            output.WriteLine(line);
        }
    }
}
