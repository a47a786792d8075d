using System.Buffers.Binary;
using Lockbox.Crypto;
using Lockbox.Storage;

namespace Lockbox.Repository;

/// <summary>
/// An index file (docs/FORMAT.md, "Index"): sealed(version[1] pack_count[4] then per pack:
/// pack_id[32] entry_count[4] entry[46]*entry_count), bound to the file's name.
/// </summary>
internal static class IndexFile
{
    public const byte Version = 1;

    public static byte[] Seal(IReadOnlyList<(string Pack, IReadOnlyList<PackEntry> Entries)> packs, string name, Aead metadata)
    {
        int length = 5 + packs.Sum(p => 36 + p.Entries.Count * PackEntry.EncodedLength);
        byte[] plaintext = new byte[length];
        plaintext[0] = Version;
        BinaryPrimitives.WriteInt32LittleEndian(plaintext.AsSpan(1), packs.Count);
        int at = 5;
        foreach (var (pack, entries) in packs)
        {
            Convert.FromHexString(pack).CopyTo(plaintext, at);
            BinaryPrimitives.WriteInt32LittleEndian(plaintext.AsSpan(at + 32), entries.Count);
            at += 36;
            foreach (var entry in entries)
            {
                entry.WriteTo(plaintext.AsSpan(at));
                at += PackEntry.EncodedLength;
            }
        }

        return metadata.Seal(plaintext, AssociatedData(name));
    }

    public static List<(string Pack, PackEntry[] Entries)> Open(ReadOnlySpan<byte> sealedBytes, ObjectName name, Aead metadata)
    {
        if (sealedBytes.Length < Aead.Overhead + 5)
        {
            throw new CorruptObjectException(name, "it is too short.");
        }

        byte[] plaintext = new byte[sealedBytes.Length - Aead.Overhead];
        if (!metadata.TryOpen(sealedBytes, AssociatedData(name.Name), plaintext))
        {
            throw new CorruptObjectException(name, "it failed authentication.");
        }

        if (plaintext[0] != Version)
        {
            // Authenticated, so written by a Lockbox: a later version is not damage.
            throw plaintext[0] > 1 ? new UnsupportedVersionException(name, plaintext[0]) : new CorruptObjectException(name, $"it has version {plaintext[0]}, which no Lockbox writes.");
        }

        int packCount = BinaryPrimitives.ReadInt32LittleEndian(plaintext.AsSpan(1));
        var result = new List<(string, PackEntry[])>();
        int at = 5;
        for (int p = 0; p < packCount; p++)
        {
            if (at + 36 > plaintext.Length)
            {
                throw new CorruptObjectException(name, "it ends inside a pack record.");
            }

            string pack = Convert.ToHexStringLower(plaintext, at, 32);
            int count = BinaryPrimitives.ReadInt32LittleEndian(plaintext.AsSpan(at + 32));
            at += 36;
            if (count < 0 || at + (long)count * PackEntry.EncodedLength > plaintext.Length)
            {
                throw new CorruptObjectException(name, "a pack record's entry count is out of range.");
            }

            var entries = new PackEntry[count];
            for (int i = 0; i < count; i++)
            {
                entries[i] = PackEntry.Read(plaintext.AsSpan(at, PackEntry.EncodedLength))
                    ?? throw new CorruptObjectException(name, "an entry is out of range.");
                at += PackEntry.EncodedLength;
            }

            result.Add((pack, entries));
        }

        if (at != plaintext.Length)
        {
            throw new CorruptObjectException(name, "it has trailing bytes.");
        }

        return result;
    }

    private static byte[] AssociatedData(string name) => [.. "lockbox/v1/index"u8, .. Convert.FromHexString(name)];
}
