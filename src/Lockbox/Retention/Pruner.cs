using Lockbox.Backup;
using Lockbox.Crypto;
using Lockbox.Repository;
using Lockbox.Storage;

namespace Lockbox.Retention;

/// <summary>What prune did.</summary>
/// <param name="PacksDeleted">Packs deleted, the repacked ones included.</param>
/// <param name="PacksRepacked">Packs whose used blobs were copied into new packs before they went.</param>
/// <param name="BytesFreed">How much smaller the repository is: the objects deleted less those written.</param>
/// <param name="BlobsKept">Blobs the remaining snapshots use.</param>
public sealed record PruneResult(int PacksDeleted, int PacksRepacked, long BytesFreed, int BlobsKept);

/// <summary>
/// Reclaims the space of forgotten snapshots, in an order that is safe at every step: blobs still
/// used from mostly-unused packs are first copied into new packs and a complete new index is
/// written; only then are the old index files removed, and only then the old packs. A crash at any
/// point leaves every snapshot restorable; running prune again finishes the job.
/// </summary>
internal sealed class Pruner
{
    /// <summary>A pack is rewritten when at least this fraction of it is unused.</summary>
    private const double RepackThreshold = 0.2;

    private readonly Repository.Repository _repository;

    public Pruner(Repository.Repository repository) => _repository = repository;

    public async Task<PruneResult> RunAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        await using var exclusive = await RepositoryLock.AcquireAsync(_repository, exclusive: true, time, cancellationToken).ConfigureAwait(false);

        // Under the exclusive lock no backup runs, so an unindexed pack is a leftover: index it, so
        // its blobs count like any other.
        await PackRecovery.IndexLeftoverPacksAsync(_repository, cancellationToken).ConfigureAwait(false);
        var oldIndexFiles = new List<ObjectName>();
        long oldIndexBytes = 0;
        await foreach (var item in _repository.Storage.ListAsync(ObjectKind.Index, cancellationToken).ConfigureAwait(false))
        {
            oldIndexFiles.Add(item.Name);
            oldIndexBytes += item.Size;
        }

        var used = await UsedBlobsAsync(cancellationToken).ConfigureAwait(false);
        var byPack = _repository.Index.ByPack();
        var packSizes = new Dictionary<string, long>(StringComparer.Ordinal);
        await foreach (var item in _repository.Storage.ListAsync(ObjectKind.Pack, cancellationToken).ConfigureAwait(false))
        {
            packSizes[item.Name.Name] = item.Size;
        }

        var keep = new List<(string Pack, IReadOnlyList<PackEntry> Entries)>();
        var delete = new List<string>();
        var repack = new List<(string Pack, List<PackEntry> Used)>();
        foreach (var (pack, entries) in byPack)
        {
            if (!packSizes.ContainsKey(pack))
            {
                // Gone from the storage's complete listing: nothing to keep, copy or delete. The new
                // index leaves it out, and check names the snapshots it cost.
                continue;
            }

            var usedEntries = entries.Where(e => used.Contains(e.Id)).ToList();
            long total = entries.Sum(e => (long)e.StoredLength);
            long unused = entries.Where(e => !used.Contains(e.Id)).Sum(e => (long)e.StoredLength);
            if (usedEntries.Count == 0)
            {
                delete.Add(pack);
            }
            else if (unused >= RepackThreshold * total)
            {
                repack.Add((pack, usedEntries));
            }
            else
            {
                keep.Add((pack, entries));
            }
        }

        if (delete.Count == 0 && repack.Count == 0)
        {
            return new PruneResult(0, 0, 0, used.Count);
        }

        // 1. Copy still-used blobs out of packs about to go. Blobs already stored elsewhere are not copied again.
        var kept = keep.SelectMany(k => k.Entries).Select(e => e.Id).ToHashSet();
        using var fresh = new BlobIndex();
        var uploader = new BlobUploader(_repository, cancellationToken, fresh);
        var keptWhole = new List<(string Pack, IReadOnlyList<PackEntry> Entries)>();
        var copied = new HashSet<BlobId>();
        var keptPacks = keep.Select(k => k.Pack).ToHashSet(StringComparer.Ordinal);
        try
        {
            using var codec = new BlobCodec(_repository.Keys);
            foreach (var (pack, entries) in repack)
            {
                var name = new ObjectName(ObjectKind.Pack, pack);
                byte[] bytes = await _repository.Storage.ReadAsync(name, cancellationToken).ConfigureAwait(false);

                // A used blob that fails here and has no good copy elsewhere keeps its pack: prune
                // never deletes the last copy of anything, damaged or not.
                var failed = PackScan.Scan(bytes, name, entries, codec).Failures.Select(f => f.Entry.Id).ToHashSet();
                var toCopy = new List<PackEntry>();
                foreach (var entry in entries)
                {
                    if (copied.Contains(entry.Id) || (kept.Contains(entry.Id) && await _repository.HasGoodCopyInAsync(entry.Id, keptPacks, cancellationToken).ConfigureAwait(false)))
                    {
                        continue;
                    }

                    if (failed.Contains(entry.Id))
                    {
                        toCopy = null;
                        break;
                    }

                    toCopy.Add(entry);
                }

                if (toCopy is null)
                {
                    keptWhole.Add((pack, _repository.Index.EntriesOf(pack)));
                    continue;
                }

                foreach (var entry in toCopy.Where(e => copied.Add(e.Id)))
                {
                    // Opened straight into the buffer it is sealed again in: no copy of the plaintext.
                    byte[] buffer = BlobBuffers.RentRoomForSealing((int)entry.RawLength, out var plaintext);
                    try
                    {
                        codec.OpenInto(bytes.AsSpan((int)entry.Offset, (int)entry.StoredLength), entry, name, plaintext);
                    }
                    catch
                    {
                        BlobBuffers.Pool.Return(buffer);
                        throw;
                    }

                    await uploader.AddAsync(entry.Id, entry.Type, buffer, (int)entry.RawLength).ConfigureAwait(false);
                }
            }

            await uploader.CompleteAsync().ConfigureAwait(false);
        }
        catch
        {
            await uploader.AbortAsync().ConfigureAwait(false);
            throw;
        }

        keep.AddRange(keptWhole);
        repack.RemoveAll(r => keptWhole.Any(k => k.Pack == r.Pack));

        // 2. One complete index of everything that stays, then 3. the old index files, then 4. the old packs.
        var complete = keep.Concat(fresh.ByPack().Select(p => (p.Key, (IReadOnlyList<PackEntry>)p.Value))).ToList();
        long newIndexBytes = await _repository.WriteIndexAsync(complete, cancellationToken).ConfigureAwait(false);
        foreach (var index in oldIndexFiles)
        {
            await _repository.Storage.DeleteAsync(index, cancellationToken).ConfigureAwait(false);
        }

        long freed = 0;
        foreach (string pack in delete.Concat(repack.Select(r => r.Pack)))
        {
            freed += packSizes.GetValueOrDefault(pack);
            await _repository.Storage.DeleteAsync(new ObjectName(ObjectKind.Pack, pack), cancellationToken).ConfigureAwait(false);
        }

        // What the repository really shrank by: the packs and index files deleted, less the packs
        // the repacking wrote and the new index (counting deleted packs alone overstated it by a
        // third when much was repacked).
        freed += oldIndexBytes - newIndexBytes - uploader.UploadedBytes;
        return new PruneResult(delete.Count + repack.Count, repack.Count, freed, used.Count);
    }

    private async Task<HashSet<BlobId>> UsedBlobsAsync(CancellationToken cancellationToken)
    {
        var used = new HashSet<BlobId>();
        using var codec = new BlobCodec(_repository.Keys);
        foreach (var snapshot in await _repository.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (string tree in snapshot.Snapshot.Manifest)
            {
                used.Add(BlobId.Parse(tree));
            }

            List<FileEntry> manifest;
            try
            {
                manifest = await _repository.ReadManifestAsync(snapshot.Snapshot, codec, cancellationToken).ConfigureAwait(false);
            }
            catch (LockboxException e) when (e is CorruptObjectException or MissingDataException)
            {
                throw new LockboxException(
                    $"The file list of snapshot {snapshot.ShortId} cannot be read ({e.Message}), so prune cannot tell which data it uses and deleted nothing. None of its files can be restored: `lockbox forget --force {snapshot.ShortId}` removes it (`--force`, since it may be its device's newest snapshot); then prune.", e);
            }

            foreach (var entry in manifest)
            {
                foreach (string element in entry.Content ?? [])
                {
                    used.UnionWith(ContentElement.Parse(element).StoredBlobs);
                }
            }
        }

        return used;
    }
}
