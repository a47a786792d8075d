using Lockbox.Repository;

namespace Lockbox.Backup;

/// <summary>
/// A snapshot's file list as it is stored (docs/FORMAT.md §8): JSON lines, cut by the same
/// content-defined chunker as file data, so that unchanged runs of entries deduplicate.
/// </summary>
internal static class ManifestBlobs
{
    /// <summary>Cuts the file list into tree blobs, hands each to <paramref name="store"/>, and returns their ids in order.</summary>
    public static async Task<List<string>> StoreAsync(Repository.Repository repository, List<FileEntry> entries, DatabasePageArchiver.StoreBlob store)
    {
        var text = Manifest.Write(entries);
        var ids = new List<string>();
        int at = 0;
        while (at < text.WrittenCount)
        {
            var rest = text.WrittenSpan[at..];
            int length = repository.Chunker.NextChunkLength(rest, isFinal: true);
            var id = repository.Keys.ComputeId(rest[..length]);
            await store(id, text.WrittenSpan.Slice(at, length), BlobType.Tree).ConfigureAwait(false);
            ids.Add(id.ToString());
            at += length;
        }

        return ids;
    }
}
