using Lockbox.Device;
using Lockbox.Repository;

namespace Lockbox.Client;

/// <summary>The key the user typed back is not the backup key; nothing was deleted, and running the operation again shows the same key.</summary>
public sealed class KeyNotConfirmedException : LockboxException
{
    /// <summary>Creates the exception.</summary>
    public KeyNotConfirmedException(string message)
        : base(message)
    {
    }
}

/// <summary>The new encrypted copy did not verify, so no earlier copy was deleted.</summary>
public sealed class VerificationFailedException : LockboxException
{
    /// <summary>Creates the exception from the checker's errors.</summary>
    public VerificationFailedException(IReadOnlyList<string> errors)
        : base($"The encrypted copy did not verify, so nothing was deleted: {string.Join("; ", errors.Take(3))}")
    {
        Errors = errors;
    }

    /// <summary>Every error found.</summary>
    public IReadOnlyList<string> Errors { get; }
}

/// <summary>An earlier operation has not finished; it must be run again (or finished) first.</summary>
public sealed class OperationPendingException : LockboxException
{
    /// <summary>Creates the exception.</summary>
    public OperationPendingException(PendingOperation pending)
        : base(pending.Operation == "enable"
            ? $"Turning on end-to-end encryption (`{Describe(pending)}`) has not finished; run it again to finish it, or `disable` to go back to standard backups."
            : $"An earlier `{Describe(pending)}` has not finished; run it again to finish it first.")
    {
        Pending = pending;
    }

    /// <summary>The unfinished operation.</summary>
    public PendingOperation Pending { get; }

    private static string Describe(PendingOperation pending) => pending.Operation switch
    {
        "enable" => pending.Mode == BackupMode.Password ? "enable --password" : "enable --key",
        "rotate" => "key rotate",
        _ => pending.Operation,
    };
}
