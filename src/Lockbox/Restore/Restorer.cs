using Lockbox.Crypto;
using Lockbox.Repository;
using Lockbox.Storage;

namespace Lockbox.Restore;

/// <summary>
/// Restores a snapshot into a new folder beside the target and swaps it in only when every file is
/// complete and verified: a failed or interrupted restore never leaves a half-written database, nor
/// a stale -wal or -shm file beside a restored one. Blobs are fetched pack by pack, so each pack is
/// read once however many files share it.
/// </summary>
internal sealed class Restorer
{
    private const int ParallelPacks = 2;

    private readonly Repository.Repository _repository;
    private readonly RestoreRequest _request;
    private long _bytesDone;

    public Restorer(Repository.Repository repository, RestoreRequest request)
    {
        _repository = repository;
        _request = request;
    }

    public async Task<RestoreResult> RunAsync(CancellationToken cancellationToken)
    {
        string target = Path.GetFullPath(_request.Target);
        bool targetHasContent = Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any();
        if (File.Exists(target) || (targetHasContent && !_request.ReplaceExisting))
        {
            throw new LockboxException($"The restore target {target} is not an empty folder; restore into a new folder or allow replacing it.");
        }

        var snapshot = await _repository.FindSnapshotAsync(_request.Snapshot, cancellationToken).ConfigureAwait(false);
        List<FileEntry> entries;
        using (var codec = new BlobCodec(_repository.Keys))
        {
            entries = Select(await _repository.ReadManifestAsync(snapshot.Snapshot, codec, cancellationToken).ConfigureAwait(false));
        }

        var plan = Plan(entries);
        string staging = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.lockbox-restore-{ObjectIds.NewName()[..12]}");
        Directory.CreateDirectory(staging);
        try
        {
            foreach (var entry in entries)
            {
                string path = Path.Combine(staging, entry.Path);
                if (entry.Type == FileEntry.DirectoryType)
                {
                    Directory.CreateDirectory(path);
                }
                else
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
                    file.SetLength(entry.Size);
                }
            }

            long bytesTotal = entries.Sum(e => e.Size);
            using (var files = new FileHandleCache())
            {
                await Parallel.ForEachAsync(
                    plan,
                    new ParallelOptions { MaxDegreeOfParallelism = ParallelPacks, CancellationToken = cancellationToken },
                    async (pack, token) => await RestorePackAsync(pack.Key, pack.Value, staging, files, bytesTotal, token).ConfigureAwait(false)).ConfigureAwait(false);
            }

            FinishMetadata(entries, staging);
            SwapIn(staging, target);
            return new RestoreResult(snapshot.Id, entries.Count(e => e.Type == FileEntry.FileType), bytesTotal);
        }
        catch
        {
            Directory.Delete(staging, recursive: true);
            throw;
        }
    }

    private List<FileEntry> Select(List<FileEntry> manifest)
    {
        if (_request.Include.Count == 0)
        {
            return manifest;
        }

        var wanted = _request.Include.Select(p => p.Replace('\\', '/').Trim('/')).ToList();
        var selected = manifest.Where(e => wanted.Any(w => e.Path == w || e.Path.StartsWith(w + "/", StringComparison.Ordinal))).ToList();
        if (selected.Count == 0)
        {
            throw new LockboxException($"The snapshot holds none of: {string.Join(", ", wanted)}.");
        }

        // The folders above each selected path, so the restored tree has its shape.
        var folders = manifest.Where(e => e.Type == FileEntry.DirectoryType && selected.Any(s => s.Path.StartsWith(e.Path + "/", StringComparison.Ordinal)));
        return [.. folders.Concat(selected).Distinct().OrderBy(e => e.Path, StringComparer.Ordinal)];
    }

    /// <summary>Every blob's pack and the places in the restored files it goes; all checked before anything is written.</summary>
    private Dictionary<string, Dictionary<BlobId, (PackEntry Entry, List<(string Path, long Offset)> Targets)>> Plan(List<FileEntry> entries)
    {
        var plan = new Dictionary<string, Dictionary<BlobId, (PackEntry, List<(string, long)>)>>(StringComparer.Ordinal);
        foreach (var entry in entries.Where(e => e.Type == FileEntry.FileType))
        {
            long offset = 0;
            foreach (string hex in entry.Content ?? [])
            {
                var id = BlobId.Parse(hex);
                if (!_repository.Index.TryGet(id, out var location))
                {
                    throw new MissingDataException($"Blob {id} of {entry.Path} is in no index: the repository is missing data.");
                }

                if (!plan.TryGetValue(location.Value.Pack, out var blobs))
                {
                    plan[location.Value.Pack] = blobs = [];
                }

                if (!blobs.TryGetValue(id, out var item))
                {
                    blobs[id] = item = (location.Value.Entry, []);
                }

                item.Item2.Add((entry.Path, offset));
                offset += location.Value.Entry.RawLength;
            }

            if (offset != entry.Size)
            {
                throw new LockboxException($"The snapshot's record of {entry.Path} is inconsistent: its blobs add up to {offset} bytes, not {entry.Size}.");
            }
        }

        return plan;
    }

    private async Task RestorePackAsync(
        string pack,
        Dictionary<BlobId, (PackEntry Entry, List<(string Path, long Offset)> Targets)> blobs,
        string staging,
        FileHandleCache files,
        long bytesTotal,
        CancellationToken cancellationToken)
    {
        var name = new ObjectName(ObjectKind.Pack, pack);
        long start = blobs.Values.Min(b => (long)b.Entry.Offset);
        long end = blobs.Values.Max(b => (long)b.Entry.Offset + b.Entry.StoredLength);
        byte[] range;
        try
        {
            range = await _repository.Storage.ReadRangeAsync(name, start, (int)(end - start), cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException e)
        {
            throw new MissingDataException($"Pack {name.Path} is missing; it holds {blobs.Count} blob(s) this restore needs.", e);
        }
        catch (EndOfStreamException e)
        {
            throw new CorruptObjectException(name, "it is shorter than its index says (truncated).", inner: e);
        }

        using var codec = new BlobCodec(_repository.Keys);
        foreach (var (id, (entry, targets)) in blobs)
        {
            byte[] plaintext = System.Buffers.ArrayPool<byte>.Shared.Rent((int)entry.RawLength);
            try
            {
                var blob = plaintext.AsSpan(0, (int)entry.RawLength);
                codec.OpenInto(range.AsSpan((int)(entry.Offset - start), (int)entry.StoredLength), entry, name, blob);
                foreach (var (path, offset) in targets)
                {
                    files.Write(Path.Combine(staging, path), blob, offset);
                    _request.Progress?.Report(new RestoreProgress(Interlocked.Add(ref _bytesDone, blob.Length), bytesTotal));
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(plaintext);
            }
        }
    }

    private static void FinishMetadata(List<FileEntry> entries, string staging)
    {
        // Files first, then folders deepest first: writing into a folder changes its time.
        foreach (var entry in entries.Where(e => e.Type == FileEntry.FileType).Concat(
                     entries.Where(e => e.Type == FileEntry.DirectoryType).OrderByDescending(e => e.Path.Length)))
        {
            string path = Path.Combine(staging, entry.Path);
            if (!OperatingSystem.IsWindows() && entry.Mode != 0)
            {
                File.SetUnixFileMode(path, (UnixFileMode)entry.Mode);
            }

            if (entry.Type == FileEntry.FileType)
            {
                using (var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite))
                {
                    // Durable before the swap makes it visible.
                    RandomAccess.FlushToDisk(handle);
                }

                File.SetLastWriteTimeUtc(path, entry.ModifiedTime.UtcDateTime);
            }
            else
            {
                Directory.SetLastWriteTimeUtc(path, entry.ModifiedTime.UtcDateTime);
            }
        }
    }

    private static void SwapIn(string staging, string target)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(staging, target);
            return;
        }

        string old = $"{target}.lockbox-old-{ObjectIds.NewName()[..12]}";
        Directory.Move(target, old);
        Directory.Move(staging, target);
        Directory.Delete(old, recursive: true);
    }
}
