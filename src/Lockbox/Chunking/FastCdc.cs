using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Lockbox.Chunking;

/// <summary>
/// FastCDC content-defined chunking (Xia et al., "FastCDC: a Fast and Efficient Content-Defined
/// Chunking Approach for Data Deduplication", USENIX ATC 2016) with normalized chunking level 2.
/// The gear table is derived from a repository secret, so chunk boundaries, and with them chunk
/// sizes, cannot be predicted from known content (the role restic gives its random polynomial).
/// </summary>
internal sealed class FastCdc : IChunker
{
    private readonly ulong[] _gear = new ulong[256];
    private readonly ulong _maskSmall;
    private readonly ulong _maskLarge;

    public FastCdc(ChunkerParameters parameters, ReadOnlySpan<byte> chunkerKey)
    {
        if (!parameters.IsValid)
        {
            throw new ArgumentException("Invalid chunker parameters.", nameof(parameters));
        }

        Parameters = parameters;
        Span<byte> table = stackalloc byte[256 * sizeof(ulong)];
        HKDF.Expand(HashAlgorithmName.SHA256, chunkerKey, table, "lockbox/v1/chunker/gear"u8);
        for (int i = 0; i < 256; i++)
        {
            _gear[i] = BinaryPrimitives.ReadUInt64LittleEndian(table[(i * 8)..]);
        }

        CryptographicOperations.ZeroMemory(table);

        // Normalized chunking: a harder mask before the average size, an easier one after it.
        // The masks test the top bits, which depend on the last 64 bytes of input.
        int bits = BitOperations.Log2((uint)parameters.AverageSize);
        _maskSmall = ulong.MaxValue << (64 - (bits + 2));
        _maskLarge = ulong.MaxValue << (64 - (bits - 2));
    }

    public ChunkerParameters Parameters { get; }

    public int MaxChunkSize => Parameters.MaxSize;

    /// <summary>
    /// The length of the next chunk at the start of <paramref name="data"/>. When the data is shorter
    /// than the maximum chunk and more may follow, returns 0 unless a cut point was found.
    /// </summary>
    public int NextChunkLength(ReadOnlySpan<byte> data, bool isFinal)
    {
        int min = Parameters.MinSize;
        int max = Parameters.MaxSize;
        if (data.Length <= min)
        {
            return isFinal ? data.Length : 0;
        }

        int end = Math.Min(data.Length, max);
        int normal = Math.Min(end, Parameters.AverageSize);
        ulong fingerprint = 0;
        ulong[] gear = _gear;
        int i = min;
        for (; i < normal; i++)
        {
            fingerprint = (fingerprint << 1) + gear[data[i]];
            if ((fingerprint & _maskSmall) == 0)
            {
                return i + 1;
            }
        }

        for (; i < end; i++)
        {
            fingerprint = (fingerprint << 1) + gear[data[i]];
            if ((fingerprint & _maskLarge) == 0)
            {
                return i + 1;
            }
        }

        return end == max || isFinal ? end : 0;
    }
}
