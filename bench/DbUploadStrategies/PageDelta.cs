using ZstdSharp;

namespace DbUploadStrategies;

internal sealed record DeltaResult(long ChangedPages, long NewPages, long FullCompressed, long DeltaCompressed, int OverheadPerBlob)
{
    public long Blobs => ChangedPages + NewPages;

    public long DeltaTotal => DeltaCompressed + Blobs * OverheadPerBlob;
}

/// <summary>
/// Strategy d: each changed page stored as zstd compressed with the same page number of the previous
/// snapshot loaded as a raw-content dictionary, against the same page compressed alone.
/// Every delta is decompressed again and compared, so the sizes are of deltas that really restore.
/// </summary>
internal static class PageDelta
{
    public static DeltaResult Measure(byte[] day0, byte[] day1, int pageSize)
    {
        using var plain = new Compressor(3);
        long changed = 0, added = 0, full = 0, delta = 0;
        byte[] restored = new byte[pageSize];
        for (int offset = 0; offset < day1.Length; offset += pageSize)
        {
            ReadOnlySpan<byte> page = day1.AsSpan(offset, pageSize);
            bool existed = offset + pageSize <= day0.Length;
            if (existed && page.SequenceEqual(day0.AsSpan(offset, pageSize)))
            {
                continue;
            }
            int alone = plain.Wrap(page).Length;
            full += alone;
            if (!existed)
            {
                added++;
                delta += alone;
                continue;
            }
            changed++;
            byte[] previous = day0.AsSpan(offset, pageSize).ToArray();
            using var withBase = new Compressor(3);
            withBase.LoadDictionary(previous);
            byte[] patch = withBase.Wrap(page).ToArray();
            using var check = new Decompressor();
            check.LoadDictionary(previous);
            int n = check.Unwrap(patch, restored, 0);
            if (n != pageSize || !restored.AsSpan().SequenceEqual(page))
            {
                throw new InvalidOperationException($"delta of page {offset / pageSize + 1} does not restore");
            }
            delta += Math.Min(patch.Length, alone);
        }
        return new DeltaResult(changed, added, full, delta, StrategyResult.OverheadPerBlob);
    }
}
