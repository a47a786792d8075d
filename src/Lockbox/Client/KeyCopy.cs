using System.Security.Cryptography;
using Lockbox.Keys;

namespace Lockbox.Client;

/// <summary>A copy of the backup key's bytes for an API that takes memory (the vault client), zeroed on dispose.</summary>
internal sealed class KeyCopy(BackupKey key) : IDisposable
{
    private readonly byte[] _bytes = key.Bytes.ToArray();

    public ReadOnlyMemory<byte> Memory => _bytes;

    public void Dispose() => CryptographicOperations.ZeroMemory(_bytes);
}
