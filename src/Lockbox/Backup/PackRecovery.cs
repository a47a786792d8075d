using Lockbox.Repository;
using Lockbox.Storage;

namespace Lockbox.Backup;

/// <summary>
/// Finds packs that an interrupted backup uploaded but never indexed, reads their headers and
/// indexes them, so the next backup reuses them instead of uploading the same data again.
/// </summary>
internal static class PackRecovery
{
    public static async Task<int> IndexLeftoverPacksAsync(Repository.Repository repository, CancellationToken cancellationToken)
    {
        var known = repository.Index.Packs.ToHashSet(StringComparer.Ordinal);
        var recovered = new List<(string Pack, IReadOnlyList<PackEntry> Entries)>();
        await foreach (var pack in repository.Storage.ListAsync(ObjectKind.Pack, cancellationToken).ConfigureAwait(false))
        {
            if (known.Contains(pack.Name.Name) || !ObjectIds.IsValidName(pack.Name.Name))
            {
                continue;
            }

            try
            {
                var entries = await PackHeader.ReadAsync(repository.Storage, pack.Name, pack.Size, repository.Keys.Metadata, cancellationToken).ConfigureAwait(false);
                repository.Index.AddPack(pack.Name.Name, entries);
                recovered.Add((pack.Name.Name, entries));
            }
            catch (CorruptObjectException)
            {
                // A pack cut short by the interruption: it is referenced by nothing; prune removes it.
            }
        }

        await repository.WriteIndexAsync(recovered, cancellationToken).ConfigureAwait(false);
        return recovered.Count;
    }
}
