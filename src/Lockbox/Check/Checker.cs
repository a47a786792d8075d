using Lockbox.Crypto;
using Lockbox.Repository;
using Lockbox.Storage;

namespace Lockbox.Check;

/// <summary>
/// Verifies a repository without restoring it. The structural check reads the index files, every
/// pack header, every snapshot and manifest, and confirms that each snapshot's blobs are indexed in
/// a pack that exists and whose header agrees. With <c>readData</c> it also downloads every pack and
/// authenticates every blob. Every problem is reported, naming its object; the check never stops at
/// the first. The packs are checked first, so that the walk of the snapshots can then name, for each
/// damaged or missing blob, the snapshots and files it costs.
/// </summary>
internal sealed class Checker
{
    private readonly Repository.Repository _repository;
    private readonly List<string> _errors = [];
    private readonly List<string> _warnings = [];
    private readonly List<(string Pack, BlobId Id)> _damagedCopies = [];

    public Checker(Repository.Repository repository) => _repository = repository;

    public async Task<CheckResult> RunAsync(bool readData, CancellationToken cancellationToken)
    {
        foreach (var damaged in _repository.DamagedIndexFiles)
        {
            _errors.Add($"Index file {damaged.Name.Path} is damaged ({damaged.Problem}); its packs were read from their own headers instead. `lockbox repair index` writes a new index.");
        }

        var packsOnStorage = new Dictionary<string, long>(StringComparer.Ordinal);
        await foreach (var pack in _repository.Storage.ListAsync(ObjectKind.Pack, cancellationToken).ConfigureAwait(false))
        {
            packsOnStorage[pack.Name.Name] = pack.Size;
        }

        var indexed = _repository.Index.ByPack();
        foreach (var (pack, _) in _repository.PacksIndexedFromHeaders)
        {
            _warnings.Add($"Pack data/{pack[..2]}/{pack} is in no index file, so it was indexed from its own header (left by an interrupted backup, or its index file is damaged or gone; the next backup or prune writes an index file for it).");
        }

        foreach (string pack in packsOnStorage.Keys.Where(p => !indexed.ContainsKey(p)))
        {
            _warnings.Add($"Pack data/{pack[..2]}/{pack} is in no index and its header cannot be read (an upload cut short, or damage): no snapshot can use its blobs.");
        }

        long blobsRead = await CheckPacksAsync(indexed, packsOnStorage, readData, cancellationToken).ConfigureAwait(false);

        // From here on a damaged copy is set aside, so the index answers whether a blob has a good one.
        _repository.Index.SetAsideDamagedCopies(_damagedCopies);
        var (snapshots, damagedSnapshots) = await CheckSnapshotsAsync(cancellationToken).ConfigureAwait(false);
        return new CheckResult(_errors, _warnings, snapshots, indexed.Count, blobsRead)
        {
            DamagedSnapshots = damagedSnapshots,
            DamagedCopies = _damagedCopies,
        };
    }

    private async Task<long> CheckPacksAsync(Dictionary<string, List<PackEntry>> indexed, Dictionary<string, long> packsOnStorage, bool readData, CancellationToken cancellationToken)
    {
        long blobsRead = 0;
        using var codec = new BlobCodec(_repository.Keys);
        foreach (var (pack, entries) in indexed)
        {
            var name = new ObjectName(ObjectKind.Pack, pack);
            if (!packsOnStorage.TryGetValue(pack, out long size))
            {
                _errors.Add($"Pack {name.Path} is missing; it holds {entries.Count} indexed blob(s). `lockbox repair index` takes it out of the index.");
                _damagedCopies.AddRange(entries.Select(e => (pack, e.Id)));
                continue;
            }

            IReadOnlyList<PackEntry> header;
            try
            {
                header = await PackHeader.ReadAsync(_repository.Storage, name, size, _repository.Keys.Metadata, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is CorruptObjectException or EndOfStreamException)
            {
                // The index still says where each blob lies, and a reader goes by the index: only
                // reading the blobs tells whether the damage reaches them.
                _errors.Add(e is CorruptObjectException ? e.Message : $"Corrupt object {name.Path}: it is shorter than its header says (truncated).");
                header = entries;
            }

            var inHeader = header.ToDictionary(e => e.Id);
            foreach (var entry in entries.Where(e => !inHeader.TryGetValue(e.Id, out var h) || h != e))
            {
                _errors.Add($"Pack {name.Path}: blob {entry.Id} is indexed but its pack header disagrees.");
                _damagedCopies.Add((pack, entry.Id));
            }

            if (readData)
            {
                blobsRead += await ReadPackAsync(name, size, header, codec, cancellationToken).ConfigureAwait(false);
            }
        }

        return blobsRead;
    }

    private async Task<long> ReadPackAsync(ObjectName name, long size, IReadOnlyList<PackEntry> header, BlobCodec codec, CancellationToken cancellationToken)
    {
        var pack = PackBuffers.Rent((int)size);
        try
        {
            await _repository.Storage.ReadRangeAsync(name, 0, pack.Memory[..(int)size], cancellationToken).ConfigureAwait(false);
            var (failures, verified) = PackScan.Scan(pack.Span[..(int)size], name, header, codec);
            foreach (var failure in failures)
            {
                _errors.Add(failure.Problem);
                _damagedCopies.Add((name.Name, failure.Entry.Id));
            }

            return verified;
        }
        finally
        {
            PackBuffers.Return(pack);
        }
    }

    private async Task<(int Count, List<DamagedSnapshot> Damaged)> CheckSnapshotsAsync(CancellationToken cancellationToken)
    {
        var listing = await _repository.ReadSnapshotsAsync(cancellationToken).ConfigureAwait(false);
        var damaged = new List<DamagedSnapshot>();
        foreach (var unreadable in listing.Damaged)
        {
            _errors.Add($"Snapshot {unreadable.Name.Path} cannot be read: {unreadable.Problem} `lockbox forget {unreadable.Name.Name[..8]}` removes it.");
            damaged.Add(new DamagedSnapshot(unreadable.Name.Name, null, WholeSnapshot: true, [], unreadable.Problem));
        }

        using var codec = new BlobCodec(_repository.Keys);
        foreach (var snapshot in listing.Intact)
        {
            if (await CheckSnapshotAsync(snapshot, codec, cancellationToken).ConfigureAwait(false) is { } hurt)
            {
                damaged.Add(hurt);
            }
        }

        return (listing.Intact.Count + listing.Damaged.Count, damaged);
    }

    private async Task<DamagedSnapshot?> CheckSnapshotAsync(SnapshotInfo snapshot, BlobCodec codec, CancellationToken cancellationToken)
    {
        string path = new ObjectName(ObjectKind.Snapshot, snapshot.Id).Path;
        string? badTree = snapshot.Snapshot.Manifest.FirstOrDefault(t => !_repository.Index.Contains(BlobId.Parse(t)));
        List<FileEntry> manifest;
        try
        {
            manifest = badTree is null
                ? await _repository.ReadManifestAsync(snapshot.Snapshot, codec, cancellationToken).ConfigureAwait(false)
                : throw new MissingDataException($"manifest blob {badTree} is missing or damaged.");
        }
        catch (LockboxException e) when (e is not UnsupportedVersionException)
        {
            // Damaged, missing, or authenticated yet invalid (an unsafe path): none of it is restorable.
            _errors.Add($"Snapshot {path} ({snapshot.Snapshot.Time:u}): its file list cannot be read, so none of its files can be restored: {e.Message}");
            return new DamagedSnapshot(snapshot.Id, snapshot.Snapshot.Time, WholeSnapshot: true, [], e.Message);
        }

        var files = new List<string>();
        string? first = null;
        foreach (var entry in manifest)
        {
            if (_repository.Index.FirstUnreadable(entry) is { } missing)
            {
                files.Add(entry.Path);
                first ??= $"blob {missing} of {entry.Path} is missing or damaged";
            }
        }

        if (files.Count == 0)
        {
            return null;
        }

        _errors.Add($"Snapshot {path} ({snapshot.Snapshot.Time:u}): {files.Count} file(s) cannot be restored: {string.Join(", ", files.Take(10))}{(files.Count > 10 ? ", …" : "")}.");
        return new DamagedSnapshot(snapshot.Id, snapshot.Snapshot.Time, WholeSnapshot: false, files, first!);
    }
}
