using Lockbox.Storage;

namespace Lockbox.Repository;

/// <summary>
/// The repository's index: loading it from the index files (a damaged or missing one costs
/// nothing but time, as the packs it covered are indexed from their own headers), reloading it when
/// a lock finds its files changed, and writing index files.
/// </summary>
public sealed partial class Repository
{
    private readonly List<DamagedObject> _damagedIndexFiles = [];
    private readonly List<(string Pack, IReadOnlyList<PackEntry> Entries)> _fromHeaders = [];
    private int _headerFailures;
    private HashSet<string> _indexFilesRead = new(StringComparer.Ordinal);

    /// <summary>Writes an index file for freshly uploaded packs.</summary>
    internal async Task<long> WriteIndexAsync(IReadOnlyList<(string Pack, IReadOnlyList<PackEntry> Entries)> packs, CancellationToken cancellationToken)
    {
        if (packs.Count == 0)
        {
            return 0;
        }

        string name = ObjectIds.NewName();
        byte[] sealedIndex = IndexFile.Seal(packs, name, Keys.Metadata);
        await Storage.WriteAsync(new ObjectName(ObjectKind.Index, name), sealedIndex, cancellationToken).ConfigureAwait(false);
        _indexFilesRead.Add(name);
        return sealedIndex.Length;
    }

    /// <summary>
    /// Index files that could not be read when the repository was opened. Their packs were indexed
    /// from the pack headers instead, in memory only: <c>repair index</c> writes that down.
    /// </summary>
    public IReadOnlyList<DamagedObject> DamagedIndexFiles => _damagedIndexFiles;

    /// <summary>Replaces the in-memory index with these packs, once <c>repair index</c> has written them down.</summary>
    internal void ReplaceIndex(IEnumerable<(string Pack, IReadOnlyList<PackEntry> Entries)> packs)
    {
        Index.Clear();
        foreach (var (pack, entries) in packs)
        {
            Index.AddPack(pack, entries);
        }

        _damagedIndexFiles.Clear();
    }

    /// <summary>
    /// Loads the index again if its files changed since it was loaded: a reader that has just taken
    /// its lock thereby works from the index that the lock protects, not one a prune replaced
    /// between the open and the lock. One listing when nothing changed.
    /// </summary>
    internal async Task RefreshIndexIfChangedAsync(CancellationToken cancellationToken)
    {
        var now = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var item in Storage.ListAsync(ObjectKind.Index, cancellationToken).ConfigureAwait(false))
        {
            now.Add(item.Name.Name);
        }

        if (!now.SetEquals(_indexFilesRead))
        {
            Index.Clear();
            await LoadIndexAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Packs no readable index file covers, indexed in memory from their own headers when the
    /// repository was opened (left by an interrupted backup, or covered by a damaged or missing
    /// index file). A backup or prune writes an index file for them.
    /// </summary>
    internal IReadOnlyList<(string Pack, IReadOnlyList<PackEntry> Entries)> PacksIndexedFromHeaders => _fromHeaders;

    /// <summary>Indexed packs that the storage's listing did not hold when the index was loaded.</summary>
    internal IReadOnlyList<string> MissingPacks { get; private set; } = [];

    /// <summary>Writes an index file for <see cref="PacksIndexedFromHeaders"/>, which then holds none.</summary>
    internal async Task WriteIndexForPacksIndexedFromHeadersAsync(CancellationToken cancellationToken)
    {
        await WriteIndexAsync([.. _fromHeaders], cancellationToken).ConfigureAwait(false);
        _fromHeaders.Clear();
    }

    /// <summary>
    /// Loads every index file into <see cref="Index"/>, then indexes from its own header every pack
    /// no readable index file covers: a damaged or missing index file costs nothing but time, at
    /// the price of one listing of the packs per open.
    /// </summary>
    internal async Task<IReadOnlyList<ObjectName>> LoadIndexAsync(CancellationToken cancellationToken)
    {
        var files = new List<ObjectName>();
        _damagedIndexFiles.Clear();
        _fromHeaders.Clear();
        _headerFailures = 0;
        _indexFilesRead = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var item in Storage.ListAsync(ObjectKind.Index, cancellationToken).ConfigureAwait(false))
        {
            _indexFilesRead.Add(item.Name.Name);
            try
            {
                byte[] bytes = await Storage.ReadAsync(item.Name, cancellationToken).ConfigureAwait(false);
                foreach (var (pack, entries) in IndexFile.Open(bytes, item.Name, Keys.Metadata))
                {
                    Index.AddPack(pack, entries);
                }

                files.Add(item.Name);
            }
            catch (CorruptObjectException e)
            {
                _damagedIndexFiles.Add(new DamagedObject(item.Name, e.Message));
            }
            catch (ObjectNotFoundException)
            {
                // Replaced between the listing and the read (another device's prune): its packs are
                // in the index file that replaced it, or gone with it.
            }
        }

        var (found, missing) = await IndexUncoveredPacksAsync(cancellationToken).ConfigureAwait(false);
        MissingPacks = missing;
        if (files.Count == 0 && found.Count == 0 && _damagedIndexFiles.Count > 0 && _headerFailures > 0)
        {
            // Not one index file or pack opens under the config's key: that is not damage (which
            // strikes some objects, not all) but objects sealed under another key beside this
            // config, as a key rotation stopped between its steps leaves them.
            throw new LockboxException(
                "Nothing in this repository opens under its key: every index file and pack fails authentication, as when another device's key rotation stopped halfway. Finish the rotation on the device that started it (run `lockbox key rotate` there again), then use its new key here. Nothing was changed.");
        }

        return files;
    }

    /// <summary>
    /// Indexes, in memory, every pack on storage that no index names, from its header; returns
    /// them, and the names of the indexed packs the storage's complete listing does not hold. A pack
    /// whose header is damaged stays unindexed: its blobs are lost, nothing else is.
    /// </summary>
    private async Task<(List<(string Pack, IReadOnlyList<PackEntry> Entries)> Found, List<string> Missing)> IndexUncoveredPacksAsync(CancellationToken cancellationToken)
    {
        var known = Index.Packs.ToHashSet(StringComparer.Ordinal);
        var found = new List<(string Pack, IReadOnlyList<PackEntry> Entries)>();
        await foreach (var pack in Storage.ListAsync(ObjectKind.Pack, cancellationToken).ConfigureAwait(false))
        {
            if (known.Remove(pack.Name.Name) || !ObjectIds.IsValidName(pack.Name.Name))
            {
                continue;
            }

            try
            {
                var entries = await PackHeader.ReadAsync(Storage, pack.Name, pack.Size, Keys.Metadata, cancellationToken).ConfigureAwait(false);
                Index.AddPack(pack.Name.Name, entries);
                found.Add((pack.Name.Name, entries));
                _fromHeaders.Add((pack.Name.Name, entries));
            }
            catch (CorruptObjectException)
            {
                // A pack cut short by an interrupted upload, or damaged: check reports which.
                _headerFailures++;
            }
            catch (EndOfStreamException)
            {
                // Shorter than its header says.
                _headerFailures++;
            }
            catch (ObjectNotFoundException)
            {
                // Deleted since the listing (a prune elsewhere): nothing to index.
            }
        }

        return (found, [.. known]);
    }
}
