using System.Numerics;

namespace Lockbox.Repository;

/// <summary>
/// Padmé padding (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and Communication
/// with PURBs", PETS 2019, §4): rounds a length up so that at most O(log log L) bits of it leak,
/// with at most 12% overhead.
/// </summary>
internal static class Padding
{
    public static long Padme(long length)
    {
        if (length < 2)
        {
            return length;
        }

        int e = BitOperations.Log2((ulong)length);
        int s = BitOperations.Log2((ulong)e) + 1;
        int lastBits = e - s;
        long mask = (1L << lastBits) - 1;
        return (length + mask) & ~mask;
    }
}
