namespace Lockbox.Chunking;

/// <summary>Splits a byte stream into chunks; each chunk becomes one blob.</summary>
internal interface IChunker
{
    /// <summary>The largest chunk it returns; callers keep at least this much data buffered.</summary>
    int MaxChunkSize { get; }

    /// <summary>
    /// The length of the next chunk at the start of <paramref name="data"/>; 0 when more data is
    /// needed to decide (only possible while <paramref name="isFinal"/> is false).
    /// </summary>
    int NextChunkLength(ReadOnlySpan<byte> data, bool isFinal);
}

/// <summary>
/// Fixed-size chunks aligned to SQLite's pages: an SQLite database changes in place, page by page,
/// so cutting exactly at page boundaries lets an unchanged page deduplicate whatever moved around it.
/// </summary>
internal sealed class PageChunker(int chunkSize) : IChunker
{
    public int MaxChunkSize => chunkSize;

    public int NextChunkLength(ReadOnlySpan<byte> data, bool isFinal) =>
        data.Length >= chunkSize ? chunkSize : isFinal ? data.Length : 0;
}
