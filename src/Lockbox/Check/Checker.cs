using Lockbox.Crypto;
using Lockbox.Repository;
using Lockbox.Storage;

namespace Lockbox.Check;

/// <summary>
/// Verifies a repository without restoring it. The structural check reads the index files, every
/// snapshot and manifest, and every pack header, and confirms that each snapshot's blobs are
/// indexed in a pack that exists and whose header agrees. With <c>readData</c> it also downloads
/// every pack and authenticates every blob. Every problem is reported, naming its object; the
/// check never stops at the first.
/// </summary>
internal sealed class Checker
{
    private readonly Repository.Repository _repository;
    private readonly List<string> _errors = [];
    private readonly List<string> _warnings = [];

    public Checker(Repository.Repository repository) => _repository = repository;

    public async Task<CheckResult> RunAsync(bool readData, CancellationToken cancellationToken)
    {
        var packsOnStorage = new Dictionary<string, long>(StringComparer.Ordinal);
        await foreach (var pack in _repository.Storage.ListAsync(ObjectKind.Pack, cancellationToken).ConfigureAwait(false))
        {
            packsOnStorage[pack.Name.Name] = pack.Size;
        }

        var indexed = _repository.Index.ByPack();
        foreach (string pack in packsOnStorage.Keys.Where(p => !indexed.ContainsKey(p)))
        {
            _warnings.Add($"Pack data/{pack[..2]}/{pack} is in no index (left by an interrupted backup; the next backup or prune takes care of it).");
        }

        int snapshots = await CheckSnapshotsAsync(cancellationToken).ConfigureAwait(false);
        long blobsRead = 0;
        using var codec = new BlobCodec(_repository.Keys);
        foreach (var (pack, entries) in indexed)
        {
            var name = new ObjectName(ObjectKind.Pack, pack);
            if (!packsOnStorage.TryGetValue(pack, out long size))
            {
                _errors.Add($"Pack {name.Path} is missing; it holds {entries.Count} indexed blob(s).");
                continue;
            }

            try
            {
                var header = await PackHeader.ReadAsync(_repository.Storage, name, size, _repository.Keys.Metadata, cancellationToken).ConfigureAwait(false);
                var inHeader = header.ToDictionary(e => e.Id);
                foreach (var entry in entries.Where(e => !inHeader.TryGetValue(e.Id, out var h) || h != e))
                {
                    _errors.Add($"Pack {name.Path}: blob {entry.Id} is indexed but its pack header disagrees.");
                }

                if (readData)
                {
                    blobsRead += await ReadPackAsync(name, size, header, codec, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (CorruptObjectException e)
            {
                _errors.Add(e.Message);
            }
            catch (EndOfStreamException)
            {
                _errors.Add($"Corrupt object {name.Path}: it is shorter than its header says (truncated).");
            }
        }

        return new CheckResult(_errors, _warnings, snapshots, indexed.Count, blobsRead);
    }

    private async Task<long> ReadPackAsync(ObjectName name, long size, IReadOnlyList<PackEntry> header, BlobCodec codec, CancellationToken cancellationToken)
    {
        var pack = PackBuffers.Rent((int)size);
        byte[] plaintext = [];
        try
        {
            await _repository.Storage.ReadRangeAsync(name, 0, pack.Memory[..(int)size], cancellationToken).ConfigureAwait(false);
            long read = 0;
            foreach (var entry in header)
            {
                try
                {
                    if (plaintext.Length < entry.RawLength)
                    {
                        plaintext = new byte[Math.Max(entry.RawLength, 1 << 20)];
                    }

                    codec.OpenInto(pack.Span.Slice((int)entry.Offset, (int)entry.StoredLength), entry, name, plaintext.AsSpan(0, (int)entry.RawLength));
                    read++;
                }
                catch (CorruptObjectException e)
                {
                    _errors.Add(e.Message);
                }
            }

            return read;
        }
        finally
        {
            PackBuffers.Return(pack);
        }
    }

    private async Task<int> CheckSnapshotsAsync(CancellationToken cancellationToken)
    {
        int count = 0;
        using var codec = new BlobCodec(_repository.Keys);
        await foreach (var item in _repository.Storage.ListAsync(ObjectKind.Snapshot, cancellationToken).ConfigureAwait(false))
        {
            count++;
            try
            {
                var snapshot = await _repository.LoadSnapshotAsync(item.Name, cancellationToken).ConfigureAwait(false);
                foreach (string tree in snapshot.Manifest)
                {
                    RequireIndexed(BlobId.Parse(tree), item.Name, "its manifest");
                }

                var manifest = await _repository.ReadManifestAsync(snapshot, codec, cancellationToken).ConfigureAwait(false);
                foreach (var entry in manifest)
                {
                    foreach (string element in entry.Content ?? [])
                    {
                        foreach (var blob in ContentElement.Parse(element).StoredBlobs)
                        {
                            RequireIndexed(blob, item.Name, entry.Path);
                        }
                    }
                }
            }
            catch (LockboxException e)
            {
                _errors.Add($"Snapshot {item.Name.Path}: {e.Message}");
            }
            catch (ObjectNotFoundException e)
            {
                _errors.Add($"Snapshot {item.Name.Path}: {e.Message}");
            }
        }

        return count;
    }

    private void RequireIndexed(BlobId blob, ObjectName snapshot, string what)
    {
        if (!_repository.Index.Contains(blob))
        {
            _errors.Add($"Snapshot {snapshot.Path}: blob {blob} of {what} is in no index.");
        }
    }
}
