namespace Lockbox.Vault.Client;

/// <summary>Base of every vault failure the client reports.</summary>
public class VaultException : Repository.LockboxException
{
    /// <summary>Creates the exception.</summary>
    public VaultException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>The password is wrong; the escrow still exists and <see cref="TriesLeft"/> more attempts are allowed.</summary>
public sealed class VaultWrongPasswordException(int triesLeft)
    : VaultException($"Wrong password. {triesLeft} {(triesLeft == 1 ? "try" : "tries")} left before the backup key is destroyed.")
{
    /// <summary>Attempts left before the vault destroys the key.</summary>
    public int TriesLeft { get; } = triesLeft;
}

/// <summary>The escrowed key is gone for good: the guess limit destroyed it (the vault keeps its tombstone).</summary>
public sealed class VaultKeyDestroyedException()
    : VaultException("The vault no longer holds your key: too many wrong passwords destroyed it for good. It cannot be recovered with a password.");

/// <summary>
/// The vault holds no escrow for this account: password mode was never turned on for it, was turned
/// off, or a fresh start removed it. No try was spent.
/// </summary>
public sealed class VaultNoEscrowException()
    : VaultException("The vault holds no key for this account: password mode was never turned on for it, was turned off, or a fresh start removed it. No try was spent.");

/// <summary>
/// This client's vault settings do not fit the vault: another public key than the pinned one, a
/// token for another account than the expected one, or a token the vault refuses. Nothing was sent
/// that costs a try.
/// </summary>
public sealed class VaultConfigurationException(string message) : VaultException(message);

/// <summary>The vault asks to wait <see cref="RetryAfter"/> before the next request; no try was counted.</summary>
public sealed class VaultRateLimitedException(TimeSpan retryAfter)
    : VaultException($"Too many attempts; wait {Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds))} s before trying again. No try was counted.")
{
    /// <summary>How long to wait.</summary>
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// The account already has an escrow that this device did not make (or that another device took over
/// by rotating the key): this device's key does not control it, so it cannot replace it.
/// </summary>
public sealed class VaultEscrowExistsException()
    : VaultException("An escrow for this account already exists that this device did not make; this device's key cannot replace it.");

/// <summary>The vault could not be reached or is unavailable; nothing was changed, try again later.</summary>
public sealed class VaultUnreachableException(string message, Exception? inner = null) : VaultException(message, inner);

/// <summary>The vault answered something it should not have: a wrong pinned key, a malformed reply, a refused request.</summary>
public sealed class VaultProtocolException(string message, Exception? inner = null) : VaultException(message, inner);
