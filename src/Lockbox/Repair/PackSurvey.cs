using Lockbox.Repository;
using Lockbox.Storage;

namespace Lockbox.Repair;

/// <summary>
/// Every pack in a complete listing of the storage, with its header read and authenticated. A pack
/// whose header fails authentication or is out of range is damaged (a definite answer); any other
/// failure (an I/O error, a timeout, a pack that vanishes between the listing and the read) is not
/// an answer at all and propagates, so that a repair built on the survey changes nothing.
/// </summary>
internal sealed record PackSurvey(
    IReadOnlyDictionary<string, long> Sizes,
    IReadOnlyList<(string Pack, IReadOnlyList<PackEntry> Entries)> Readable,
    IReadOnlyList<DamagedObject> Damaged)
{
    public static async Task<PackSurvey> RunAsync(Repository.Repository repository, CancellationToken cancellationToken)
    {
        var sizes = new SortedDictionary<string, long>(StringComparer.Ordinal);
        await foreach (var pack in repository.Storage.ListAsync(ObjectKind.Pack, cancellationToken).ConfigureAwait(false))
        {
            if (ObjectIds.IsValidName(pack.Name.Name))
            {
                sizes[pack.Name.Name] = pack.Size;
            }
        }

        var readable = new List<(string, IReadOnlyList<PackEntry>)>();
        var damaged = new List<DamagedObject>();
        foreach (var (pack, size) in sizes)
        {
            var name = new ObjectName(ObjectKind.Pack, pack);
            try
            {
                readable.Add((pack, await PackHeader.ReadAsync(repository.Storage, name, size, repository.Keys.Metadata, cancellationToken).ConfigureAwait(false)));
            }
            catch (CorruptObjectException e)
            {
                damaged.Add(new DamagedObject(name, e.Message));
            }
        }

        return new PackSurvey(new Dictionary<string, long>(sizes, StringComparer.Ordinal), readable, damaged);
    }

    /// <summary>
    /// For a pack whose header cannot be read: the entries the index gives for it that read and
    /// verify. The index, authenticated on its own, still says where each blob lies, so damage to
    /// the header alone costs no blob; only reading the blobs tells which the damage reaches.
    /// </summary>
    public static async Task<List<PackEntry>> VerifiedIndexEntriesAsync(Repository.Repository repository, string pack, long size, CancellationToken cancellationToken)
    {
        var entries = repository.Index.EntriesOf(pack);
        if (entries.Count == 0)
        {
            return entries;
        }

        var name = new ObjectName(ObjectKind.Pack, pack);
        var buffer = PackBuffers.Rent((int)size);
        try
        {
            await repository.Storage.ReadRangeAsync(name, 0, buffer.Memory[..(int)size], cancellationToken).ConfigureAwait(false);
            using var codec = new BlobCodec(repository.Keys);
            var failed = PackScan.Scan(buffer.Span[..(int)size], name, entries, codec).Failures.Select(f => f.Entry).ToHashSet();
            return [.. entries.Where(e => !failed.Contains(e))];
        }
        finally
        {
            PackBuffers.Return(buffer);
        }
    }
}
