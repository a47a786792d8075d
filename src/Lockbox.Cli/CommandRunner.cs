using System.CommandLine;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Storage;

namespace Lockbox.Cli;

/// <summary>Runs a command body and turns each kind of failure into its message and exit code.</summary>
internal static class CommandRunner
{
    public static void SetRepositoryAction(this Command command, Terminal terminal, Func<ParseResult, Repository.Repository, CancellationToken, Task<int>> body) =>
        command.SetAction((parse, cancellationToken) => RunAsync(terminal, async () =>
        {
            using var key = KeySource.Resolve(parse.GetValue(CliOptions.KeyFile), terminal);
            var storage = OpenStorage(parse);
            try
            {
                using var repository = await Repository.Repository.OpenAsync(storage, key, cancellationToken).ConfigureAwait(false);
                return await body(parse, repository, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                (storage as IDisposable)?.Dispose();
            }
        }));

    public static void SetPlainAction(this Command command, Terminal terminal, Func<ParseResult, CancellationToken, Task<int>> body) =>
        command.SetAction((parse, cancellationToken) => RunAsync(terminal, () => body(parse, cancellationToken)));

    public static IStorage OpenStorage(ParseResult parse)
    {
        string repo = parse.GetValue(CliOptions.Repository) ?? "";
        if (string.IsNullOrWhiteSpace(repo))
        {
            throw new LockboxException("No repository: pass --repo or set LOCKBOX_REPO.");
        }

        Uri? endpoint = parse.GetValue(CliOptions.S3Endpoint);
        var s3 = repo.StartsWith("s3://", StringComparison.Ordinal)
            ? new S3Connection { Endpoint = endpoint, Region = parse.GetValue(CliOptions.S3Region) ?? "us-east-1" }
            : null;
        try
        {
            return RepositoryLocation.Parse(repo, s3);
        }
        catch (ArgumentException e)
        {
            throw new LockboxException($"Bad repository location: {e.Message}");
        }
    }

    public static BackupKey ResolveKey(ParseResult parse, Terminal terminal) => KeySource.Resolve(parse.GetValue(CliOptions.KeyFile), terminal);

    private static async Task<int> RunAsync(Terminal terminal, Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (WrongKeyException e)
        {
            terminal.Fail(e.Message);
            return ExitCodes.WrongKey;
        }
        catch (Exception e) when (e is ConfigDamagedException or CorruptObjectException)
        {
            terminal.Fail(e.Message);
            return ExitCodes.DamagedRepository;
        }
        catch (MissingDataException e)
        {
            terminal.Fail(e.Message);
            return ExitCodes.MissingData;
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
