using System.Diagnostics.CodeAnalysis;
using Lockbox.Crypto;

namespace Lockbox.Repository;

/// <summary>Where a blob is stored: its pack and its entry there.</summary>
internal readonly record struct BlobLocation(string Pack, PackEntry Entry);

/// <summary>
/// The in-memory map from blob id to pack location, built from the index files. Thread-safe.
/// About 90 bytes per blob: a year of daily chat backups (a few hundred thousand blobs) stays in
/// the tens of megabytes.
/// </summary>
internal sealed class BlobIndex
{
    private readonly Dictionary<BlobId, (int Pack, PackEntry Entry)> _blobs = [];
    private readonly List<string> _packNames = [];
    private readonly Dictionary<string, int> _packOrdinals = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Number of distinct blobs.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _blobs.Count;
            }
        }
    }

    /// <summary>Adds every entry of a pack. Existing ids keep their first location.</summary>
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

            foreach (var entry in entries)
            {
                _blobs.TryAdd(entry.Id, (ordinal, entry));
            }
        }
    }

    public bool Contains(BlobId id)
    {
        lock (_lock)
        {
            return _blobs.ContainsKey(id);
        }
    }

    public bool TryGet(BlobId id, [NotNullWhen(true)] out BlobLocation? location)
    {
        lock (_lock)
        {
            if (_blobs.TryGetValue(id, out var found))
            {
                location = new BlobLocation(_packNames[found.Pack], found.Entry);
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
            foreach (var (pack, entry) in _blobs.Values)
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
}
