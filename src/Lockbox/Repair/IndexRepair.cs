using Lockbox.Repository;
using Lockbox.Storage;

namespace Lockbox.Repair;

/// <summary>What <c>repair index</c> did.</summary>
/// <param name="PacksIndexed">Packs the new index covers: every listed pack whose header is readable.</param>
/// <param name="BlobsIndexed">Blob entries the new index holds.</param>
/// <param name="DamagedPacks">Packs whose header cannot be read. The entries the old index gave for them that still verify are kept; the rest of their blobs are lost, nothing else is.</param>
/// <param name="MissingPacks">Packs the old index named that the storage no longer holds; the new index leaves them out.</param>
/// <param name="OldIndexFilesRemoved">Old index files deleted once the new index was written and read back.</param>
public sealed record IndexRepairResult(int PacksIndexed, long BlobsIndexed, IReadOnlyList<DamagedObject> DamagedPacks, IReadOnlyList<string> MissingPacks, int OldIndexFilesRemoved);

/// <summary>
/// Rebuilds the index from the pack headers, under the exclusive lock and in prune's crash-safe
/// order: list every pack and read every header first (a read error stops it with nothing
/// changed), then write the new index and read it back, and only then delete the old index files.
/// A crash in between leaves old and new index files side by side, which read as one; running it
/// again finishes.
/// </summary>
internal static class IndexRepair
{
    /// <summary>Index entries per index file, so no single file grows past a few tens of MiB.</summary>
    private const int EntriesPerFile = 500_000;

    public static async Task<IndexRepairResult> RunAsync(Repository.Repository repository, TimeProvider time, CancellationToken cancellationToken)
    {
        await using var exclusive = await RepositoryLock.AcquireAsync(repository, exclusive: true, time, cancellationToken).ConfigureAwait(false);

        // The index files there are now; the new ones written below are not among them.
        var oldIndexFiles = new List<ObjectName>();
        await foreach (var item in repository.Storage.ListAsync(ObjectKind.Index, cancellationToken).ConfigureAwait(false))
        {
            oldIndexFiles.Add(item.Name);
        }

        var survey = await PackSurvey.RunAsync(repository, cancellationToken).ConfigureAwait(false);
        var missing = repository.Index.Packs.Where(p => !survey.Sizes.ContainsKey(p)).Order(StringComparer.Ordinal).ToList();

        // A pack whose header is damaged keeps, from the old index, every entry that verifies.
        var packs = new List<(string Pack, IReadOnlyList<PackEntry> Entries)>(survey.Readable);
        foreach (var damaged in survey.Damaged)
        {
            var verified = await PackSurvey.VerifiedIndexEntriesAsync(repository, damaged.Name.Name, survey.Sizes[damaged.Name.Name], cancellationToken).ConfigureAwait(false);
            if (verified.Count > 0)
            {
                packs.Add((damaged.Name.Name, verified));
            }
        }

        foreach (var part in Parts(packs))
        {
            string name = ObjectIds.NewName();
            var objectName = new ObjectName(ObjectKind.Index, name);
            await repository.Storage.WriteAsync(objectName, IndexFile.Seal(part, name, repository.Keys.Metadata), cancellationToken).ConfigureAwait(false);

            // Read back before anything old goes: an index file that does not open would cost every pack it covers.
            var readBack = IndexFile.Open(await repository.Storage.ReadAsync(objectName, cancellationToken).ConfigureAwait(false), objectName, repository.Keys.Metadata);
            if (readBack.Count != part.Count || readBack.Sum(p => p.Entries.Length) != part.Sum(p => p.Entries.Count))
            {
                throw new CorruptObjectException(objectName, "the index file just written reads back differently; nothing old was deleted.");
            }
        }

        foreach (var old in oldIndexFiles)
        {
            await repository.Storage.DeleteAsync(old, cancellationToken).ConfigureAwait(false);
        }

        repository.ReplaceIndex(packs);
        return new IndexRepairResult(packs.Count, packs.Sum(p => (long)p.Entries.Count), survey.Damaged, missing, oldIndexFiles.Count);
    }

    private static IEnumerable<List<(string Pack, IReadOnlyList<PackEntry> Entries)>> Parts(IReadOnlyList<(string Pack, IReadOnlyList<PackEntry> Entries)> packs)
    {
        var part = new List<(string, IReadOnlyList<PackEntry>)>();
        long entries = 0;
        foreach (var pack in packs)
        {
            if (part.Count > 0 && entries + pack.Entries.Count > EntriesPerFile)
            {
                yield return part;
                part = [];
                entries = 0;
            }

            part.Add(pack);
            entries += pack.Entries.Count;
        }

        if (part.Count > 0)
        {
            yield return part;
        }
    }
}
