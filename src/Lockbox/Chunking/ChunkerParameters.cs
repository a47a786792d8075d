using System.Numerics;

namespace Lockbox.Chunking;

/// <summary>Content-defined chunking sizes. The average must be a power of two (it sets the cut masks).</summary>
public readonly record struct ChunkerParameters(int MinSize, int AverageSize, int MaxSize)
{
    /// <summary>
    /// 256 KiB / 1 MiB / 4 MiB: large enough that the index stays small (about 1,500 chunks per
    /// 1.5 GB of media), small enough that an edited file re-uploads little. See docs/FORMAT.md.
    /// </summary>
    public static ChunkerParameters Default { get; } = new(256 * 1024, 1024 * 1024, 4 * 1024 * 1024);

    /// <summary>Whether the sizes are usable.</summary>
    public bool IsValid =>
        MinSize >= 64 && MinSize < AverageSize && AverageSize < MaxSize && MaxSize <= 64 * 1024 * 1024
        && BitOperations.IsPow2(AverageSize);
}
