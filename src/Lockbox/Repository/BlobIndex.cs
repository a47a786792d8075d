using System.Diagnostics.CodeAnalysis;
using Lockbox.Crypto;

namespace Lockbox.Repository;

/// <summary>Where a blob is stored: its pack and its entry there.</summary>
internal readonly record struct BlobLocation(string Pack, PackEntry Entry);

/// <summary>
/// The map from blob id to pack location, built from the index files. Thread-safe. Up to
/// <see cref="SpillThreshold"/> blobs it lives in memory (about 90 bytes a blob); past that, the
/// entries move to a sorted <see cref="DiskIndex"/> in a temporary folder, so memory stays bounded
/// however large the repository grows. A blob stored in more than one pack keeps every copy (the
/// extra ones in memory: they are rare), so a reader whose first copy fails can try the next, and a
/// copy known to be missing or damaged can be set aside so that a backup stores the blob again.
/// </summary>
internal sealed class BlobIndex : IDisposable
{
    private readonly Dictionary<BlobId, (int Pack, PackEntry Entry)> _blobs = [];
    private readonly List<string> _packNames = [];
    private readonly Dictionary<string, int> _packOrdinals = new(StringComparer.Ordinal);
    private readonly Dictionary<BlobId, List<(int Pack, PackEntry Entry)>> _otherCopies = [];
    private readonly HashSet<int> _unusablePacks = [];
    private readonly HashSet<(int Pack, BlobId Id)> _unusableCopies = [];
    private readonly Lock _lock = new();
    private readonly int _spillThreshold;
    private DiskIndex? _disk;
    private string? _spillFolder;

    public BlobIndex(int spillThreshold = 1_000_000)
    {
        _spillThreshold = spillThreshold;
    }

    public int SpillThreshold => _spillThreshold;

    /// <summary>Whether the bulk of the index is on disk.</summary>
    public bool IsOnDisk => _disk is not null;

    /// <summary>Number of distinct blobs.</summary>
    public long Count
    {
        get
        {
            lock (_lock)
            {
                return _blobs.Count + (_disk?.Count ?? 0);
            }
        }
    }

    /// <summary>Adds every entry of a pack. A blob already indexed keeps its location.</summary>
    public void AddPack(string pack, IEnumerable<PackEntry> entries)
    {
        lock (_lock)
        {
            if (!_packOrdinals.TryGetValue(pack, out int ordinal))
            {
                ordinal = _packNames.Count;
                _packNames.Add(pack);
                _packOrdinals.Add(pack, ordinal);
            }

            // A blob may also end up both here and on disk; Locations looks in both.
            foreach (var entry in entries)
            {
                if (!_blobs.TryAdd(entry.Id, (ordinal, entry)) && _blobs[entry.Id] != (ordinal, entry))
                {
                    AddOtherCopy(ordinal, entry);
                }
            }

            if (_blobs.Count > _spillThreshold)
            {
                Spill();
            }
        }
    }

    /// <summary>Whether some copy of the blob is stored and not set aside as unusable.</summary>
    public bool Contains(BlobId id) => TryGet(id, out _);

    /// <summary>The first copy of the blob not set aside as unusable.</summary>
    /// <remarks>On the backup's hot path (a lookup per page and chunk): no allocation.</remarks>
    public bool TryGet(BlobId id, [NotNullWhen(true)] out BlobLocation? location)
    {
        lock (_lock)
        {
            if (_blobs.TryGetValue(id, out var found) && IsUsable(found.Pack, id))
            {
                location = new BlobLocation(_packNames[found.Pack], found.Entry);
                return true;
            }

            if (_disk is not null && _disk.TryGet(id, out int pack, out var entry) && IsUsable(pack, id))
            {
                location = new BlobLocation(_packNames[pack], entry);
                return true;
            }

            if (_otherCopies.TryGetValue(id, out var others))
            {
                foreach (var other in others)
                {
                    if (IsUsable(other.Pack, id))
                    {
                        location = new BlobLocation(_packNames[other.Pack], other.Entry);
                        return true;
                    }
                }
            }
        }

        location = null;
        return false;
    }

    private bool IsUsable(int pack, BlobId id) =>
        (_unusablePacks.Count == 0 || !_unusablePacks.Contains(pack)) && (_unusableCopies.Count == 0 || !_unusableCopies.Contains((pack, id)));

    /// <summary>The first blob of a file's content that has no usable copy, or null when all have one.</summary>
    public BlobId? FirstUnreadable(FileEntry entry)
    {
        foreach (string element in entry.Content ?? [])
        {
            foreach (var blob in ContentElement.Parse(element).StoredBlobs)
            {
                if (!Contains(blob))
                {
                    return blob;
                }
            }
        }

        return null;
    }

    /// <summary>Every copy of the blob the index files name, usable or not, in the order to try them.</summary>
    public List<BlobLocation> Locations(BlobId id)
    {
        lock (_lock)
        {
            return [.. CopiesOf(id).Select(c => new BlobLocation(_packNames[c.Pack], c.Entry))];
        }
    }

    /// <summary>The copies of the blob not set aside as unusable, in the order to try them.</summary>
    public List<BlobLocation> UsableLocations(BlobId id)
    {
        lock (_lock)
        {
            return [.. CopiesOf(id).Where(c => IsUsable(c.Pack, id)).Select(c => new BlobLocation(_packNames[c.Pack], c.Entry))];
        }
    }

    /// <summary>Forgets every entry and every copy set aside, for an index rebuilt from scratch.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _blobs.Clear();
            _packNames.Clear();
            _packOrdinals.Clear();
            _otherCopies.Clear();
            _unusablePacks.Clear();
            _unusableCopies.Clear();
            _disk?.Dispose();
            _disk = null;
        }
    }

    /// <summary>Sets aside every copy in these packs (missing from the storage): lookups pass over them. Returns how many were new.</summary>
    public int SetAsideMissingPacks(IEnumerable<string> packs)
    {
        lock (_lock)
        {
            int added = 0;
            foreach (string pack in packs)
            {
                if (_packOrdinals.TryGetValue(pack, out int ordinal) && _unusablePacks.Add(ordinal))
                {
                    added++;
                }
            }

            return added;
        }
    }

    /// <summary>The entries the index files name in one pack.</summary>
    public List<PackEntry> EntriesOf(string pack) => ByPack().GetValueOrDefault(pack) ?? [];

    /// <summary>Sets aside copies known to be damaged: lookups pass over them. Returns how many were new.</summary>
    public int SetAsideDamagedCopies(IEnumerable<(string Pack, BlobId Id)> copies)
    {
        lock (_lock)
        {
            int added = 0;
            foreach (var (pack, id) in copies)
            {
                if (_packOrdinals.TryGetValue(pack, out int ordinal) && _unusableCopies.Add((ordinal, id)))
                {
                    added++;
                }
            }

            return added;
        }
    }

    /// <summary>Every pack the index names.</summary>
    public IReadOnlyCollection<string> Packs
    {
        get
        {
            lock (_lock)
            {
                return [.. _packNames];
            }
        }
    }

    /// <summary>Every blob grouped by pack, for check and prune.</summary>
    public Dictionary<string, List<PackEntry>> ByPack()
    {
        lock (_lock)
        {
            var result = new Dictionary<string, List<PackEntry>>(StringComparer.Ordinal);
            foreach (var (pack, entry) in AllEntries())
            {
                ListFor(pack).Add(entry);
            }

            // Other copies are rare; one that repeats a copy already listed (the same index entry
            // read twice) is listed once.
            foreach (var (pack, entry) in _otherCopies.Values.SelectMany(c => c))
            {
                var list = ListFor(pack);
                if (!list.Contains(entry))
                {
                    list.Add(entry);
                }
            }

            return result;

            List<PackEntry> ListFor(int pack)
            {
                string name = _packNames[pack];
                if (!result.TryGetValue(name, out var list))
                {
                    result[name] = list = [];
                }

                return list;
            }
        }
    }

    public void Dispose()
    {
        _disk?.Dispose();
        if (_spillFolder is not null)
        {
            Directory.Delete(_spillFolder, recursive: true);
        }
    }

    private IEnumerable<(int Pack, PackEntry Entry)> AllEntries() =>
        _disk is null ? _blobs.Values : _disk.All().Concat(_blobs.Values);

    private List<(int Pack, PackEntry Entry)> CopiesOf(BlobId id)
    {
        var seen = new List<(int Pack, PackEntry Entry)>(2);
        if (_blobs.TryGetValue(id, out var inMemory))
        {
            seen.Add(inMemory);
        }

        if (_disk is not null && _disk.TryGet(id, out int pack, out var entry) && !seen.Contains((pack, entry)))
        {
            seen.Add((pack, entry));
        }

        if (_otherCopies.TryGetValue(id, out var others))
        {
            seen.AddRange(others.Where(o => !seen.Contains(o)));
        }

        return seen;
    }

    private void AddOtherCopy(int pack, PackEntry entry)
    {
        if (!_otherCopies.TryGetValue(entry.Id, out var list))
        {
            _otherCopies[entry.Id] = list = [];
        }

        if (!list.Contains((pack, entry)))
        {
            list.Add((pack, entry));
        }
    }

    /// <summary>Moves the in-memory entries, merged with any earlier spill, into a new disk index.</summary>
    private void Spill()
    {
        _spillFolder ??= Directory.CreateTempSubdirectory("lockbox-index-").FullName;
        var merged = DiskIndex.Build(AllEntries(), _spillFolder, AddOtherCopy);
        _disk?.Dispose();
        _disk = merged;
        _blobs.Clear();
    }
}
