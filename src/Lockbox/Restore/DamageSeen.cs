using Lockbox.Crypto;
using Lockbox.Repository;
using Lockbox.Storage;

namespace Lockbox.Restore;

/// <summary>
/// The damage a restore has met: missing packs and damaged copies, set aside in the repository's
/// index so that the next round reads another copy or (partial) leaves out the files that have
/// none, each with the problem that kept it out.
/// </summary>
internal sealed class DamageSeen
{
    private readonly Repository.Repository _repository;
    private readonly HashSet<string> _missingPacks = new(StringComparer.Ordinal);
    private readonly Dictionary<BlobId, string> _damagedBlobs = [];

    public DamageSeen(Repository.Repository repository) => _repository = repository;

    /// <summary>
    /// Sets aside what <paramref name="error"/> found damaged: a missing pack, or every copy that
    /// fails in a damaged pack (the pack is read whole once, so all its damage is found at once).
    /// False when nothing new could be set aside, and the error stands.
    /// </summary>
    public async Task<bool> SetAsideAsync(LockboxException error, CancellationToken cancellationToken)
    {
        switch (error)
        {
            case MissingDataException { Pack: { } pack }:
                _missingPacks.Add(pack);
                return _repository.Index.SetAsideMissingPacks([pack]) > 0;
            case CorruptObjectException { ObjectName.Kind: ObjectKind.Pack } damaged:
                return await ScanAsync(damaged.ObjectName, cancellationToken).ConfigureAwait(false) > 0;
            default:
                return false;
        }
    }

    /// <summary>Whether every blob of every file has a copy not set aside.</summary>
    public bool AllReadable(IEnumerable<FileEntry> entries) => entries.All(e => _repository.Index.FirstUnreadable(e) is null);

    /// <summary>Adds to <paramref name="notRestored"/> each file with a blob that has no usable copy, and why.</summary>
    public void LeaveOutUnreadable(IEnumerable<FileEntry> entries, Dictionary<string, string> notRestored)
    {
        foreach (var entry in entries)
        {
            if (!notRestored.ContainsKey(entry.Path) && _repository.Index.FirstUnreadable(entry) is { } blob)
            {
                notRestored[entry.Path] = Problem(blob);
            }
        }
    }

    private string Problem(BlobId blob)
    {
        if (_damagedBlobs.TryGetValue(blob, out string? damaged))
        {
            return damaged;
        }

        foreach (var location in _repository.Index.Locations(blob))
        {
            if (_missingPacks.Contains(location.Pack))
            {
                return $"Pack {new ObjectName(ObjectKind.Pack, location.Pack).Path}, which holds blob {blob}, is missing.";
            }
        }

        return $"Blob {blob} is in no index: the repository is missing data.";
    }

    private async Task<int> ScanAsync(ObjectName pack, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = await _repository.Storage.ReadAsync(pack, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException)
        {
            _missingPacks.Add(pack.Name);
            return _repository.Index.SetAsideMissingPacks([pack.Name]);
        }

        using var codec = new BlobCodec(_repository.Keys);
        var (failures, _) = PackScan.Scan(bytes, pack, _repository.Index.EntriesOf(pack.Name), codec);
        foreach (var failure in failures)
        {
            _damagedBlobs.TryAdd(failure.Entry.Id, failure.Problem);
        }

        return _repository.Index.SetAsideDamagedCopies(failures.Select(f => (pack.Name, f.Entry.Id)));
    }
}
