namespace Lockbox.Vault.Server.Secrets;

/// <summary>
/// Wraps the vault's long-term secrets for storage in the shared database. Called at start-up only:
/// the unwrapped secrets are then cached in process memory, so no request touches the key store.
/// </summary>
public interface IKeyProtector : IDisposable
{
    /// <summary>AES-256-GCM: returns iv (12) || ciphertext || tag (16), bound to <paramref name="associatedData"/>.</summary>
    byte[] Wrap(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData);

    /// <summary>Reverses <see cref="Wrap"/>; throws <see cref="System.Security.Cryptography.CryptographicException"/> on a wrong key or tampering.</summary>
    byte[] Unwrap(ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> associatedData);
}
