using System.CommandLine;
using Lockbox.Client;
using Lockbox.Device;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Storage;

namespace Lockbox.Cli;

/// <summary>Runs a command body and turns each kind of failure into its message and exit code.</summary>
internal static class CommandRunner
{
    /// <summary>Runs <paramref name="body"/> on the opened repository, with the key from the usual sources.</summary>
    public static void SetRepositoryAction(
        this Command command,
        Terminal terminal,
        Func<ParseResult, Repository.Repository, BackupKey, CancellationToken, Task<int>> body) =>
        command.SetAction((parse, cancellationToken) => RunAsync(terminal, async () =>
        {
            using var key = ResolveKey(parse, terminal);
            var storage = OpenStorage(parse);
            try
            {
                using var repository = await Repository.Repository.OpenAsync(storage, key, cancellationToken).ConfigureAwait(false);
                return await body(parse, repository, key, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                (storage as IDisposable)?.Dispose();
            }
        }));

    /// <summary>
    /// Runs <paramref name="body"/> with the facade over this device and repository; <paramref name="store"/>
    /// names the chat store when the command takes one. The vault is set up when its address is
    /// given; with <see cref="VaultUse.IfConfigured"/> (a backup, which only checks the escrow
    /// afterwards) settings that do not work are a warning, so a scheduled backup cannot fail on them.
    /// Every command reads the account token only when it calls the vault.
    /// </summary>
    public static void SetClientAction(
        this Command command,
        Terminal terminal,
        Func<ParseResult, LockboxClient, CancellationToken, Task<int>> body,
        Argument<DirectoryInfo>? store = null,
        VaultUse vaultUse = VaultUse.Required) =>
        command.SetAction((parse, cancellationToken) => RunAsync(terminal, async () =>
        {
            var storage = OpenStorage(parse);
            (Vault.Client.VaultClient? Client, HttpClient? Http) vault = (null, null);
            if (parse.GetValue(VaultAccess.Url) is { Length: > 0 })
            {
                try
                {
                    vault = VaultAccess.Connect(parse);
                }
                catch (LockboxException e) when (vaultUse == VaultUse.IfConfigured)
                {
                    terminal.Error.WriteLine($"warning: the key vault settings do not work: {e.Message}");
                }
            }

            try
            {
                var client = new LockboxClient(new LockboxClientOptions
                {
                    Storage = storage,
                    DeviceFolder = parse.GetValue(CliOptions.Device)!,
                    ChatStore = store is null ? null : parse.GetValue(store)?.FullName,
                    Vault = vault.Client,
                });
                return await body(parse, client, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                vault.Http?.Dispose();
                (storage as IDisposable)?.Dispose();
            }
        }));

    /// <summary>How a command that takes the facade treats the vault settings.</summary>
    public enum VaultUse
    {
        /// <summary>Settings given must work.</summary>
        Required,

        /// <summary>Settings that do not work are a warning, and the command runs without the vault.</summary>
        IfConfigured,
    }

    public static void SetPlainAction(this Command command, Terminal terminal, Func<ParseResult, CancellationToken, Task<int>> body) =>
        command.SetAction((parse, cancellationToken) => RunAsync(terminal, () => body(parse, cancellationToken)));

    private static IStorage OpenStorage(ParseResult parse)
    {
        string repo = parse.GetValue(CliOptions.Repository) ?? "";
        if (string.IsNullOrWhiteSpace(repo))
        {
            throw new LockboxException("No repository: pass --repo or set LOCKBOX_REPO.");
        }

        Uri? endpoint = null;
        if (parse.GetValue(CliOptions.S3Endpoint) is { Length: > 0 } given && !Uri.TryCreate(given, UriKind.Absolute, out endpoint))
        {
            throw new UsageException("--s3-endpoint must be an absolute URL such as http://127.0.0.1:9000.");
        }

        var s3 = repo.StartsWith("s3://", StringComparison.Ordinal)
            ? new S3Connection { Endpoint = endpoint, Region = parse.GetValue(CliOptions.S3Region) ?? "us-east-1" }
            : null;
        try
        {
            return RepositoryLocation.Parse(repo, s3);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"Bad repository location: {e.Message}");
        }
    }

    public static BackupKey ResolveKey(ParseResult parse, Terminal terminal) =>
        KeySource.Resolve(parse.GetValue(CliOptions.KeyFile), new DeviceFolder(parse.GetValue(CliOptions.Device)!), terminal);

    private static async Task<int> RunAsync(Terminal terminal, Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            terminal.Fail(e.Message);
            return ExitCodes.Usage;
        }
        catch (WrongKeyException e)
        {
            terminal.Fail(e.Message);
            return ExitCodes.WrongKey;
        }
        catch (UnsupportedVersionException e)
        {
            terminal.Fail(e.Message);
            return ExitCodes.Unsupported;
        }
        catch (Exception e) when (e is ConfigDamagedException or CorruptObjectException or DamagedSnapshotException or VerificationFailedException)
        {
            terminal.Fail(e.Message);
            return ExitCodes.DamagedRepository;
        }
        catch (MissingDataException e)
        {
            terminal.Fail(e.Message);
            return ExitCodes.MissingData;
        }
        catch (Vault.Client.VaultWrongPasswordException e)
        {
            terminal.Fail($"Wrong password: {e.TriesLeft} {(e.TriesLeft == 1 ? "try" : "tries")} left before the backup key is destroyed for good.");
            return ExitCodes.WrongPassword;
        }
        catch (Vault.Client.VaultKeyDestroyedException)
        {
            terminal.Fail("The vault no longer holds your key: too many wrong passwords destroyed it for good. The backups can no longer be opened with a password; the 64-digit key, if you kept one, still opens them.");
            return ExitCodes.KeyDestroyed;
        }
        catch (Vault.Client.VaultNoEscrowException e)
        {
            terminal.Fail($"{e.Message} The 64-digit key, if you kept one, opens the backups.");
            return ExitCodes.KeyDestroyed;
        }
        catch (Vault.Client.VaultConfigurationException e)
        {
            terminal.Fail(e.Message);
            return ExitCodes.VaultConfiguration;
        }
        catch (Vault.Client.VaultRateLimitedException e)
        {
            terminal.Fail(e.Message);
            return ExitCodes.RateLimited;
        }
        catch (Vault.Client.VaultEscrowExistsException e)
        {
            terminal.Fail($"{e.Message} If you lost the device that made it, `lockbox password fresh-start` asks the vault to forget it after a cool-down (7 days by default), unless that device runs meanwhile.");
            return ExitCodes.Failure;
        }
        catch (Vault.Client.VaultUnreachableException e)
        {
            terminal.Fail($"Key vault: {e.Message}");
            return ExitCodes.VaultUnreachable;
        }
        catch (Vault.Client.VaultException e)
        {
            terminal.Fail($"Key vault: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException)
        {
            terminal.Fail("Interrupted. Earlier snapshots are intact; run the command again to finish.");
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (e is LockboxException or IOException or UnauthorizedAccessException)
        {
            terminal.Fail(e.Message);
            return ExitCodes.Failure;
        }
    }
}
