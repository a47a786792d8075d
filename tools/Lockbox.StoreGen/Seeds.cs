namespace Lockbox.StoreGen;

/// <summary>Derives independent, stable seeds so each stream (texts, media plan, each file) can be drawn on its own.</summary>
internal static class Seeds
{
    // SplitMix64 finalizer: a fixed bit mixer, stable across runtimes (unlike HashCode).
    public static int Derive(int seed, long stream)
    {
        ulong z = unchecked(((ulong)(uint)seed << 32) ^ (ulong)stream + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)(z ^ (z >> 31));
    }
}
