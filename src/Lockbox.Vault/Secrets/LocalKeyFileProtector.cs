using System.Security.Cryptography;
using Lockbox.Vault.Protocol;

namespace Lockbox.Vault.Server.Secrets;

/// <summary>
/// The embedded default: a 32-byte AES key in a file, created on first start with mode 0600. Every
/// node of a multi-node vault needs a copy of the same file. Whoever reads it and the database has
/// the server secrets, so keep it off the database host.
/// </summary>
public sealed class LocalKeyFileProtector : IKeyProtector
{
    private const int KeyLength = 32;
    private readonly AesGcm _aes; // not safe for concurrent use, hence the lock
    private readonly Lock _lock = new();

    /// <summary>Loads the key at <paramref name="path"/>, creating it if it does not exist.</summary>
    public LocalKeyFileProtector(string path)
    {
        byte[] key = LoadOrCreate(path);
        try
        {
            _aes = new AesGcm(key, AesGcm.TagByteSizes.MaxSize);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <inheritdoc />
    public byte[] Wrap(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        lock (_lock)
        {
            return AesGcmBox.Seal(_aes, plaintext, associatedData);
        }
    }

    /// <inheritdoc />
    public byte[] Unwrap(ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> associatedData)
    {
        lock (_lock)
        {
            return AesGcmBox.Open(_aes, wrapped, associatedData);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _aes.Dispose();

    private static byte[] LoadOrCreate(string path)
    {
        if (!File.Exists(path))
        {
            OwnerOnly.CreateMissingParent(path);
            byte[] fresh = RandomNumberGenerator.GetBytes(KeyLength);
            try
            {
                // CreateNew: two nodes racing on one shared folder cannot overwrite each other's key.
                var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                using var file = new FileStream(path, create);
                file.Write(fresh);
                file.Flush(flushToDisk: true);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Lost the race; read the winner's key below.
            }
            finally
            {
                CryptographicOperations.ZeroMemory(fresh);
            }
        }

        // A copy of the key file made readable to others (cp, a restore from backup) is refused, not used.
        OwnerOnly.RequireFile(path, "Vault:Keys:FilePath");
        byte[] key = File.ReadAllBytes(path);
        if (key.Length != KeyLength)
        {
            CryptographicOperations.ZeroMemory(key);
            throw new InvalidOperationException($"The vault key file must hold exactly {KeyLength} bytes.");
        }

        return key;
    }
}
