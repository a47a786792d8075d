using System.Diagnostics.CodeAnalysis;
using Lockbox.Crypto;

namespace Lockbox.Repository;

/// <summary>Where a blob is stored: its pack and its entry there.</summary>
internal readonly record struct BlobLocation(string Pack, PackEntry Entry);

/// <summary>
/// The map from blob id to pack location, built from the index files. Thread-safe. Up to
/// <see cref="SpillThreshold"/> blobs it lives in memory (about 90 bytes a blob); past that, the
/// entries move to a sorted <see cref="DiskIndex"/> in a temporary folder, so memory stays bounded
/// however large the repository grows.
/// </summary>
internal sealed class BlobIndex : IDisposable
{
    private readonly Dictionary<BlobId, (int Pack, PackEntry Entry)> _blobs = [];
    private readonly List<string> _packNames = [];
    private readonly Dictionary<string, int> _packOrdinals = new(StringComparer.Ordinal);
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

            // A blob may end up both here and on disk (stored twice): both locations are valid,
            // and the next spill keeps one.
            foreach (var entry in entries)
            {
                _blobs.TryAdd(entry.Id, (ordinal, entry));
            }

            if (_blobs.Count > _spillThreshold)
            {
                Spill();
            }
        }
    }

    public bool Contains(BlobId id) => TryGet(id, out _);

    public bool TryGet(BlobId id, [NotNullWhen(true)] out BlobLocation? location)
    {
        lock (_lock)
        {
            if (_blobs.TryGetValue(id, out var found))
            {
                location = new BlobLocation(_packNames[found.Pack], found.Entry);
                return true;
            }

            if (_disk is not null && _disk.TryGet(id, out int pack, out var entry))
            {
                location = new BlobLocation(_packNames[pack], entry);
                return true;
            }
        }

        location = null;
        return false;
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
                string name = _packNames[pack];
                if (!result.TryGetValue(name, out var list))
                {
                    result[name] = list = [];
                }

                list.Add(entry);
            }

            return result;
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

    /// <summary>Moves the in-memory entries, merged with any earlier spill, into a new disk index.</summary>
    private void Spill()
    {
        _spillFolder ??= Directory.CreateTempSubdirectory("lockbox-index-").FullName;
        var merged = DiskIndex.Build(AllEntries(), _spillFolder);
        _disk?.Dispose();
        _disk = merged;
        _blobs.Clear();
    }
}
