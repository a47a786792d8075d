using Lockbox.Repository;
using Lockbox.Storage;

namespace Lockbox.Backup;

/// <summary>
/// Finds packs that an interrupted backup uploaded but never indexed, reads their headers and
/// indexes them, so the next backup reuses them instead of uploading the same data again; and sets
/// aside the copies in indexed packs the storage no longer holds, so that their blobs are stored
/// again rather than referenced.
/// </summary>
internal static class PackRecovery
{
    public static async Task<int> IndexLeftoverPacksAsync(Repository.Repository repository, CancellationToken cancellationToken)
    {
        // Packs found since the repository was opened join those found when it was.
        var (_, missing) = await repository.IndexUncoveredPacksAsync(cancellationToken).ConfigureAwait(false);
        repository.Index.SetAsideMissingPacks(missing);
        int recovered = repository.PacksIndexedFromHeaders.Count;
        await repository.WriteIndexForPacksIndexedFromHeadersAsync(cancellationToken).ConfigureAwait(false);
        return recovered;
    }
}
