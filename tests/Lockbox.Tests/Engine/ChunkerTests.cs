using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using Lockbox.Chunking;
using Xunit;

namespace Lockbox.Tests.Engine;

public sealed class ChunkerTests
{
    private static readonly byte[] ChunkerKey = RepositoryFixture.RandomBytes(32, 7);

    public static TheoryData<int, int, int, int> Cases => new()
    {
        // min, avg, max, bytes: the defaults, and small sizes that make many cuts, with odd minimums
        // so that the scan starts on both even and odd offsets.
        { 256 * 1024, 1024 * 1024, 4 * 1024 * 1024, 24 * 1024 * 1024 },
        { 64, 256, 1024, 2 * 1024 * 1024 },
        { 65, 512, 4096, 2 * 1024 * 1024 },
        { 1001, 4096, 16 * 1024, 4 * 1024 * 1024 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Cut_points_are_those_of_the_one_byte_gear_hash_in_FORMAT_md(int min, int average, int max, int length)
    {
        var parameters = new ChunkerParameters(min, average, max);
        byte[] data = RepositoryFixture.RandomBytes(length, min);
        var chunker = new FastCdc(parameters, ChunkerKey);
        ulong[] gear = GearTable();

        int at = 0;
        int chunks = 0;
        while (at < data.Length)
        {
            int expected = ReferenceChunkLength(data.AsSpan(at), parameters, gear);
            Assert.Equal(expected, chunker.NextChunkLength(data.AsSpan(at), isFinal: true));
            Assert.True(expected <= max && (expected >= min || at + expected == data.Length));
            at += expected;
            chunks++;
        }

        Assert.True(chunks > 3, $"only {chunks} chunks");
    }

    [Fact]
    public void Without_a_cut_in_data_that_continues_it_asks_for_more()
    {
        var chunker = new FastCdc(new ChunkerParameters(64, 256, 1024), ChunkerKey);

        // All zeros make no cut under this key: the fingerprint settles at -gear[0], whose top bits are not all zero.
        Assert.Equal(0, chunker.NextChunkLength(new byte[1000], isFinal: false));
        Assert.Equal(1000, chunker.NextChunkLength(new byte[1000], isFinal: true));
        Assert.Equal(1024, chunker.NextChunkLength(new byte[5000], isFinal: false));
    }

    // FORMAT.md §7: HKDF-Expand(chunker key, "lockbox/v1/chunker/gear", 2048) as little-endian u64s.
    private static ulong[] GearTable()
    {
        byte[] table = new byte[2048];
        HKDF.Expand(HashAlgorithmName.SHA256, ChunkerKey, table, "lockbox/v1/chunker/gear"u8.ToArray());
        return Enumerable.Range(0, 256).Select(i => BinaryPrimitives.ReadUInt64LittleEndian(table.AsSpan(i * 8))).ToArray();
    }

    // One byte at a time, as the spec words it.
    private static int ReferenceChunkLength(ReadOnlySpan<byte> data, ChunkerParameters p, ulong[] gear)
    {
        if (data.Length <= p.MinSize)
        {
            return data.Length;
        }

        int bits = BitOperations.Log2((uint)p.AverageSize);
        ulong small = ulong.MaxValue << (64 - (bits + 2));
        ulong large = ulong.MaxValue << (64 - (bits - 2));
        int end = Math.Min(data.Length, p.MaxSize);
        ulong fp = 0;
        for (int i = p.MinSize; i < end; i++)
        {
            fp = (fp << 1) + gear[data[i]];
            if ((fp & (i < p.AverageSize ? small : large)) == 0)
            {
                return i + 1;
            }
        }

        return end;
    }
}
