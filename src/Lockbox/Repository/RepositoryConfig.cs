using System.Buffers.Binary;
using System.Security.Cryptography;
using Lockbox.Chunking;
using Lockbox.Crypto;
using Lockbox.Keys;

namespace Lockbox.Repository;

/// <summary>
/// The repository config (docs/FORMAT.md, "config"): parameters || SHA-256(parameters) ||
/// HMAC-SHA256(check key, parameters). Damage is never called a wrong key: damaged parameters
/// fail the plain checksum, a damaged checksum fails it too, and a damaged key check is told apart
/// by the wrapped master key, which the right key still opens. Only when both the key check and the
/// wrapped master key refuse the key is it "wrong key".
/// </summary>
internal sealed class RepositoryConfig
{
    public const int ParametersLength = 128;
    public const int Length = ParametersLength + 32 + 32;
    public const ushort FormatVersion = 1;

    private static readonly byte[] Magic = "LBXREPO\0"u8.ToArray();
    private static readonly byte[] MasterKeyAad = "lockbox/v1/config/master-key"u8.ToArray();
    private const int WrappedKeyLength = 32 + Aead.Overhead;

    public required byte[] RepositoryId { get; init; }

    public required ChunkerParameters Chunker { get; init; }

    public required int PackTargetSize { get; init; }

    public required DateTimeOffset Created { get; init; }

    /// <summary>The master key sealed under the wrap key derived from the backup key.</summary>
    public required byte[] WrappedMasterKey { get; init; }

    /// <summary>Creates a new config with a fresh master key wrapped under <paramref name="backupKey"/>.</summary>
    public static (RepositoryConfig Config, byte[] MasterKey) Create(BackupKey backupKey, DateTimeOffset now)
    {
        byte[] repositoryId = RandomNumberGenerator.GetBytes(32);
        byte[] masterKey = RandomNumberGenerator.GetBytes(32);
        var config = new RepositoryConfig
        {
            RepositoryId = repositoryId,
            Chunker = ChunkerParameters.Default,
            PackTargetSize = 16 * 1024 * 1024,
            Created = now,
            WrappedMasterKey = Wrap(backupKey, repositoryId, masterKey),
        };
        return (config, masterKey);
    }

    public byte[] Serialize(BackupKey backupKey)
    {
        byte[] bytes = new byte[Length];
        Span<byte> p = bytes.AsSpan(0, ParametersLength);
        Magic.CopyTo(p);
        BinaryPrimitives.WriteUInt16LittleEndian(p[8..], FormatVersion);
        RepositoryId.CopyTo(p[10..]);
        BinaryPrimitives.WriteInt32LittleEndian(p[42..], Chunker.MinSize);
        BinaryPrimitives.WriteInt32LittleEndian(p[46..], Chunker.AverageSize);
        BinaryPrimitives.WriteInt32LittleEndian(p[50..], Chunker.MaxSize);
        BinaryPrimitives.WriteInt32LittleEndian(p[54..], PackTargetSize);
        BinaryPrimitives.WriteInt64LittleEndian(p[58..], Created.ToUnixTimeSeconds());
        WrappedMasterKey.CopyTo(p[66..]);

        // bytes 126..127 are reserved and zero.
        SHA256.HashData(p, bytes.AsSpan(ParametersLength, 32));
        byte[] checkKey = KeyDerivation.Derive(backupKey.Bytes, RepositoryId, KeyDerivation.CheckLabel);
        HMACSHA256.HashData(checkKey, p, bytes.AsSpan(ParametersLength + 32, 32));
        CryptographicOperations.ZeroMemory(checkKey);
        return bytes;
    }

    /// <summary>Parses and authenticates the config, then unwraps the master key.</summary>
    /// <exception cref="ConfigDamagedException">The bytes are not an intact config.</exception>
    /// <exception cref="UnsupportedVersionException">A newer Lockbox wrote the config.</exception>
    /// <exception cref="WrongKeyException">The config is intact but <paramref name="backupKey"/> is not its key.</exception>
    /// <remarks>
    /// The plain checksum covers the parameters (bytes 0–127) but not itself or the key check
    /// (bytes 160–191). So a key check that fails is not yet a wrong key: the wrapped master key,
    /// sealed under the wrap key and inside the checksummed parameters, decides. If it opens, the key
    /// is right and the key check is what is damaged; only when it does not open too is the key wrong.
    /// </remarks>
    public static (RepositoryConfig Config, byte[] MasterKey) Open(ReadOnlySpan<byte> bytes, BackupKey backupKey)
    {
        var config = ParseVerified(bytes);
        ReadOnlySpan<byte> parameters = bytes[..ParametersLength];

        Span<byte> expected = stackalloc byte[32];
        byte[] checkKey = KeyDerivation.Derive(backupKey.Bytes, config.RepositoryId, KeyDerivation.CheckLabel);
        HMACSHA256.HashData(checkKey, parameters, expected);
        CryptographicOperations.ZeroMemory(checkKey);
        bool keyCheckPasses = CryptographicOperations.FixedTimeEquals(expected, bytes.Slice(ParametersLength + 32, 32));

        byte[] wrapKey = KeyDerivation.Derive(backupKey.Bytes, config.RepositoryId, KeyDerivation.WrapLabel);
        using var aead = new Aead(wrapKey);
        CryptographicOperations.ZeroMemory(wrapKey);
        byte[] masterKey = new byte[32];
        bool opens = aead.TryOpen(config.WrappedMasterKey, AssociatedData(config.RepositoryId), masterKey);
        switch (keyCheckPasses, opens)
        {
            case (true, true):
                return (config, masterKey);
            case (false, true):
                CryptographicOperations.ZeroMemory(masterKey);
                throw new ConfigDamagedException("its key check (bytes 160–191) is damaged, though this key opens its master key: the key is right.");
            case (true, false):
                // The HMAC verified, so only someone holding the key could have written this.
                throw new ConfigDamagedException("the wrapped master key does not open although the key check passed.");
            default:
                throw new WrongKeyException();
        }
    }

    /// <summary>Parses the parameters after checking the plain checksum; needs no key.</summary>
    public static RepositoryConfig ParseVerified(ReadOnlySpan<byte> bytes)
    {
        // The version first, before the length: a newer format may have a longer config, and its
        // reader must say "upgrade", not "damaged". Bytes 0-9 (magic, version) keep their place in
        // every version.
        CheckVersion(bytes);
        if (bytes.Length != Length)
        {
            throw new ConfigDamagedException($"it is {bytes.Length} bytes, not {Length}.");
        }

        ReadOnlySpan<byte> p = bytes[..ParametersLength];
        Span<byte> checksum = stackalloc byte[32];
        SHA256.HashData(p, checksum);
        if (!checksum.SequenceEqual(bytes.Slice(ParametersLength, 32)))
        {
            throw new ConfigDamagedException("its checksum does not match its contents.");
        }

        if (!p[..8].SequenceEqual(Magic))
        {
            throw new ConfigDamagedException("it is not a Lockbox repository config.");
        }

        if (BinaryPrimitives.ReadUInt16LittleEndian(p[8..]) != FormatVersion)
        {
            throw new ConfigDamagedException($"its format version {BinaryPrimitives.ReadUInt16LittleEndian(p[8..])} is not one Lockbox has written.");
        }

        var chunker = new ChunkerParameters(
            BinaryPrimitives.ReadInt32LittleEndian(p[42..]),
            BinaryPrimitives.ReadInt32LittleEndian(p[46..]),
            BinaryPrimitives.ReadInt32LittleEndian(p[50..]));
        int packTarget = BinaryPrimitives.ReadInt32LittleEndian(p[54..]);
        if (!chunker.IsValid || packTarget < 1024 * 1024 || packTarget > 256 * 1024 * 1024)
        {
            throw new ConfigDamagedException("its chunker or pack parameters are out of range.");
        }

        // The checksum is a plain SHA-256 that anyone can recompute, so every field is checked before use.
        long created = BinaryPrimitives.ReadInt64LittleEndian(p[58..]);
        if (created < DateTimeOffset.MinValue.ToUnixTimeSeconds() || created > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            throw new ConfigDamagedException("its creation time is out of range.");
        }

        return new RepositoryConfig
        {
            RepositoryId = p.Slice(10, 32).ToArray(),
            Chunker = chunker,
            PackTargetSize = packTarget,
            Created = DateTimeOffset.FromUnixTimeSeconds(created),
            WrappedMasterKey = p.Slice(66, WrappedKeyLength).ToArray(),
        };
    }

    /// <summary>
    /// Refuses a config a newer Lockbox wrote (magic intact, version above <see cref="FormatVersion"/>),
    /// whatever its length. A version-1 config whose version field alone is damaged is no newer
    /// config: its checksum matches once the field reads 1 again, and it is left to the checks that
    /// follow, which report it damaged.
    /// </summary>
    /// <exception cref="UnsupportedVersionException">A newer Lockbox wrote the config.</exception>
    private static void CheckVersion(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 10 || !bytes[..8].SequenceEqual(Magic))
        {
            return;
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]);
        if (version <= FormatVersion)
        {
            return;
        }

        if (bytes.Length == Length)
        {
            Span<byte> p = stackalloc byte[ParametersLength];
            bytes[..ParametersLength].CopyTo(p);
            BinaryPrimitives.WriteUInt16LittleEndian(p[8..], FormatVersion);
            Span<byte> checksum = stackalloc byte[32];
            SHA256.HashData(p, checksum);
            if (checksum.SequenceEqual(bytes.Slice(ParametersLength, 32)))
            {
                return;
            }
        }

        throw new UnsupportedVersionException(version);
    }

    private static byte[] Wrap(BackupKey backupKey, byte[] repositoryId, ReadOnlySpan<byte> masterKey)
    {
        byte[] wrapKey = KeyDerivation.Derive(backupKey.Bytes, repositoryId, KeyDerivation.WrapLabel);
        using var aead = new Aead(wrapKey);
        CryptographicOperations.ZeroMemory(wrapKey);
        return aead.Seal(masterKey, AssociatedData(repositoryId));
    }

    private static byte[] AssociatedData(byte[] repositoryId) => [.. MasterKeyAad, .. repositoryId];
}
