using Lockbox.Repository;

namespace Lockbox.Backup;

/// <summary>
/// Writes an index file for the packs the repository indexed from their own headers when it loaded
/// its index (an interrupted backup's uploads, or packs whose index file is damaged or gone), so
/// the next backup reuses them instead of uploading the same data again; and sets aside the copies
/// in indexed packs the storage no longer holds, so that their blobs are stored again rather than
/// referenced.
/// </summary>
internal static class PackRecovery
{
    public static async Task<int> IndexLeftoverPacksAsync(Repository.Repository repository, CancellationToken cancellationToken)
    {
        // The listing taken when the index was loaded (at the open, or again when the lock found
        // the index files changed) says which packs are unindexed or gone: no second listing.
        repository.Index.SetAsideMissingPacks(repository.MissingPacks);
        int recovered = repository.PacksIndexedFromHeaders.Count;
        await repository.WriteIndexForPacksIndexedFromHeadersAsync(cancellationToken).ConfigureAwait(false);
        return recovered;
    }
}
