namespace DbUploadStrategies;

/// <summary>
/// Content-defined chunking with a gear rolling hash and normalized chunking (level 2), after
/// W. Xia et al., "FastCDC: a Fast and Efficient Content-Defined Chunking Approach for Data
/// Deduplication", USENIX ATC 2016, Algorithm 1. Not cryptographic: the gear table only has to be fixed.
/// </summary>
internal sealed class FastCdc
{
    private static readonly ulong[] Gear = BuildGear();

    private readonly int _min, _avg, _max;
    private readonly ulong _maskHard, _maskEasy;

    public FastCdc(int min, int avg, int max)
    {
        if (!int.IsPow2(avg) || min > avg || avg > max)
        {
            throw new ArgumentException("need min <= avg <= max with avg a power of two");
        }
        (_min, _avg, _max) = (min, avg, max);
        int bits = int.Log2(avg);
        // Normalized chunking: a harder mask before the average size, an easier one after (NC level 2).
        _maskHard = TopBits(bits + 2);
        _maskEasy = TopBits(bits - 2);
    }

    public string Describe() => $"min {_min / 1024} KiB, avg {_avg / 1024} KiB, max {_max / 1024} KiB";

    public IEnumerable<(int Offset, int Length)> Split(byte[] data)
    {
        int offset = 0;
        while (offset < data.Length)
        {
            int length = NextCut(data.AsSpan(offset));
            yield return (offset, length);
            offset += length;
        }
    }

    private int NextCut(ReadOnlySpan<byte> src)
    {
        int n = src.Length;
        if (n <= _min)
        {
            return n;
        }
        int normal = Math.Min(_avg, n);
        int end = Math.Min(_max, n);
        ulong fp = 0;
        int i = _min; // cut-point skipping: nothing below the minimum is hashed
        for (; i < normal; i++)
        {
            fp = (fp << 1) + Gear[src[i]];
            if ((fp & _maskHard) == 0)
            {
                return i + 1;
            }
        }
        for (; i < end; i++)
        {
            fp = (fp << 1) + Gear[src[i]];
            if ((fp & _maskEasy) == 0)
            {
                return i + 1;
            }
        }
        return end;
    }

    // The top bits of a gear hash depend on the last 64 bytes, the widest window the hash has.
    private static ulong TopBits(int count) => count <= 0 ? 0 : ~0UL << (64 - count);

    private static ulong[] BuildGear()
    {
        var table = new ulong[256];
        ulong state = 0x4C6F636B626F7843; // fixed SplitMix64 stream: any fixed table works
        for (int i = 0; i < table.Length; i++)
        {
            state += 0x9E3779B97F4A7C15UL;
            ulong z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            table[i] = z ^ (z >> 31);
        }
        return table;
    }
}
