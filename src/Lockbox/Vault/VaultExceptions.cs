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

/// <summary>The escrowed key is gone for good: too many wrong passwords, or it was deleted.</summary>
public sealed class VaultKeyDestroyedException()
    : VaultException("The backup key held by the vault has been destroyed (too many wrong passwords). It cannot be recovered with a password.");

/// <summary>
/// The account already has an escrow that this device did not make (or that another device took over
/// by rotating the key): this device's key does not control it, so it cannot replace it.
/// </summary>
public sealed class VaultEscrowExistsException()
    : VaultException("An escrow for this account already exists that this device did not make; this device's key cannot replace it.");

/// <summary>The vault could not be reached or is unavailable; nothing was decided, try again later.</summary>
public sealed class VaultUnreachableException(string message, Exception? inner = null) : VaultException(message, inner);

/// <summary>The vault answered something it should not have: a wrong pinned key, a malformed reply, a refused request.</summary>
public sealed class VaultProtocolException(string message, Exception? inner = null) : VaultException(message, inner);
