using System.Security.Cryptography;
using Lockbox.Opaque;
using Lockbox.Vault.Protocol;
using Lockbox.Vault.Server.Storage;

namespace Lockbox.Vault.Server.Secrets;

/// <summary>
/// The vault's long-term secrets, held in memory for the life of the process: the OPAQUE server
/// setup (OPRF seed and AKE key pair) and the key that seals login state between KE2 and KE3. They
/// are stored only wrapped, in the shared database, so every node gets the same ones.
/// </summary>
public sealed class VaultKeys : IDisposable
{
    private const string SecretName = "opaque-v2"; // "opaque-v1" before schema version 3: the same secrets, renamed (VaultSchema)
    private static readonly byte[] AssociatedData = System.Text.Encoding.ASCII.GetBytes(VaultLabels.VaultSecrets);
    private const int StateKeyLength = 32;

    private readonly byte[] _stateKey;

    private VaultKeys(ServerSetup setup, byte[] stateKey)
    {
        Setup = setup;
        _stateKey = stateKey;
    }

    /// <summary>The OPAQUE secrets.</summary>
    public ServerSetup Setup { get; }

    /// <summary>
    /// Derives a key for sealing one login's state (RFC 5869 HKDF-Expand-SHA256; the state key is
    /// uniformly random, so it serves as the PRK), so nobody without the vault's secrets can forge or
    /// read a login state.
    /// </summary>
    public void DeriveStateKey(ReadOnlySpan<byte> info, Span<byte> key) => HKDF.Expand(HashAlgorithmName.SHA256, _stateKey, key, info);

    /// <summary>Loads the wrapped secrets, generating and storing them if this is the first node ever to start.</summary>
    public static async Task<VaultKeys> LoadAsync(IVaultStore store, IKeyProtector protector, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(protector);
        byte[] fresh = new byte[ServerSetup.OprfSeedLength + ServerSetup.PrivateKeyLength + StateKeyLength];
        byte[]? plain = null;
        try
        {
            using (var generated = ServerSetup.Generate())
            {
                generated.ExportOprfSeed(fresh.AsSpan(0, ServerSetup.OprfSeedLength));
                generated.ExportPrivateKey(fresh.AsSpan(ServerSetup.OprfSeedLength, ServerSetup.PrivateKeyLength));
            }

            RandomNumberGenerator.Fill(fresh.AsSpan(ServerSetup.OprfSeedLength + ServerSetup.PrivateKeyLength));
            byte[] wrapped = await store.GetOrAddSecretAsync(SecretName, protector.Wrap(fresh, AssociatedData), cancellationToken).ConfigureAwait(false);
            plain = protector.Unwrap(wrapped, AssociatedData);
            if (plain.Length != fresh.Length)
            {
                throw new CryptographicException("The stored vault secrets have the wrong length.");
            }

            var setup = ServerSetup.Import(plain.AsSpan(0, ServerSetup.OprfSeedLength), plain.AsSpan(ServerSetup.OprfSeedLength, ServerSetup.PrivateKeyLength));
            return new VaultKeys(setup, plain.AsSpan(ServerSetup.OprfSeedLength + ServerSetup.PrivateKeyLength).ToArray());
        }
        finally
        {
            CryptographicOperations.ZeroMemory(fresh);
            if (plain is not null)
            {
                CryptographicOperations.ZeroMemory(plain);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Setup.Dispose();
        CryptographicOperations.ZeroMemory(_stateKey);
    }
}
