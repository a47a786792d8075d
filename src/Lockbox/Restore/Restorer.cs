using Lockbox.Crypto;
using Lockbox.Repository;
using Lockbox.Storage;

namespace Lockbox.Restore;

using PackPlan = Dictionary<string, Dictionary<BlobId, (PackEntry Entry, List<(string Path, long Offset, ContentElement Element)> Targets)>>;

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

        var (plan, deltas) = Plan(entries);
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
                var options = new ParallelOptions { MaxDegreeOfParallelism = ParallelPacks, CancellationToken = cancellationToken };
                await Parallel.ForEachAsync(
                    plan,
                    options,
                    async (pack, token) => await RestorePackAsync(pack.Key, pack.Value, staging, files, bytesTotal, null, token).ConfigureAwait(false)).ConfigureAwait(false);

                // Second pass: each delta page decompresses against its base, which the first pass wrote in its place.
                await Parallel.ForEachAsync(
                    deltas,
                    options,
                    async (pack, token) =>
                    {
                        using var pages = new DeltaPageRebuilder(staging, files, _repository.Keys, id => Locate(id, "a delta's base").Entry.RawLength);
                        await RestorePackAsync(pack.Key, pack.Value, staging, files, bytesTotal, pages.Rebuild, token).ConfigureAwait(false);
                    }).ConfigureAwait(false);
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

    /// <summary>
    /// Every blob's pack and the places in the restored files it goes, for the whole blobs and bases
    /// (first pass) and the deltas (second pass); all checked before anything is written.
    /// </summary>
    private (PackPlan Whole, PackPlan Deltas) Plan(List<FileEntry> entries)
    {
        var whole = new PackPlan(StringComparer.Ordinal);
        var deltas = new PackPlan(StringComparer.Ordinal);
        foreach (var entry in entries.Where(e => e.Type == FileEntry.FileType))
        {
            long offset = 0;
            foreach (string text in entry.Content ?? [])
            {
                var element = ContentElement.Parse(text);
                var first = Locate(element.IsDelta ? element.Base!.Value : element.Page, entry.Path);
                Add(whole, first, entry.Path, offset, element);
                if (element.IsDelta)
                {
                    Add(deltas, Locate(element.Delta!.Value, entry.Path), entry.Path, offset, element);
                }

                offset += first.Entry.RawLength;
            }

            if (offset != entry.Size)
            {
                throw new LockboxException($"The snapshot's record of {entry.Path} is inconsistent: its blobs add up to {offset} bytes, not {entry.Size}.");
            }
        }

        return (whole, deltas);
    }

    private BlobLocation Locate(BlobId id, string path) =>
        _repository.Index.TryGet(id, out var location)
            ? location.Value
            : throw new MissingDataException($"Blob {id} of {path} is in no index: the repository is missing data.");

    private static void Add(PackPlan plan, BlobLocation location, string path, long offset, ContentElement element)
    {
        if (!plan.TryGetValue(location.Pack, out var blobs))
        {
            plan[location.Pack] = blobs = [];
        }

        if (!blobs.TryGetValue(location.Entry.Id, out var item))
        {
            blobs[location.Entry.Id] = item = (location.Entry, []);
        }

        item.Targets.Add((path, offset, element));
    }

    private async Task RestorePackAsync(
        string pack,
        Dictionary<BlobId, (PackEntry Entry, List<(string Path, long Offset, ContentElement Element)> Targets)> blobs,
        string staging,
        FileHandleCache files,
        long bytesTotal,
        Func<ReadOnlySpan<byte>, (string Path, long Offset, ContentElement Element), ObjectName, byte[]>? rebuild,
        CancellationToken cancellationToken)
    {
        var name = new ObjectName(ObjectKind.Pack, pack);
        long start = blobs.Values.Min(b => (long)b.Entry.Offset);
        long end = blobs.Values.Max(b => (long)b.Entry.Offset + b.Entry.StoredLength);
        byte[] range = PackBuffers.Rent((int)(end - start));
        try
        {
            await _repository.Storage.ReadRangeAsync(name, start, range.AsMemory(0, (int)(end - start)), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is EndOfStreamException or ObjectNotFoundException)
        {
            PackBuffers.Return(range);
            if (e is ObjectNotFoundException)
            {
                throw new MissingDataException($"Pack {name.Path} is missing; it holds {blobs.Count} blob(s) this restore needs.", e);
            }

            throw new CorruptObjectException(name, "it is shorter than its index says (truncated).", inner: e);
        }

        try
        {
            OpenBlobs(blobs, range, start, name, staging, files, bytesTotal, rebuild);
        }
        finally
        {
            PackBuffers.Return(range);
        }
    }

    private void OpenBlobs(
        Dictionary<BlobId, (PackEntry Entry, List<(string Path, long Offset, ContentElement Element)> Targets)> blobs,
        byte[] range,
        long start,
        ObjectName name,
        string staging,
        FileHandleCache files,
        long bytesTotal,
        Func<ReadOnlySpan<byte>, (string Path, long Offset, ContentElement Element), ObjectName, byte[]>? rebuild)
    {
        using var codec = new BlobCodec(_repository.Keys);
        foreach (var (id, (entry, targets)) in blobs)
        {
            byte[] plaintext = BlobBuffers.Pool.Rent((int)entry.RawLength);
            try
            {
                var blob = plaintext.AsSpan(0, (int)entry.RawLength);
                codec.OpenInto(range.AsSpan((int)(entry.Offset - start), (int)entry.StoredLength), entry, name, blob);
                foreach (var target in targets)
                {
                    ReadOnlySpan<byte> content = rebuild is null ? blob : rebuild(blob, target, name);
                    files.Write(Path.Combine(staging, target.Path), content, target.Offset);
                    if (rebuild is null)
                    {
                        _request.Progress?.Report(new RestoreProgress(Interlocked.Add(ref _bytesDone, content.Length), bytesTotal));
                    }
                }
            }
            finally
            {
                BlobBuffers.Pool.Return(plaintext);
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
