using System.Collections.Concurrent;
using Lockbox.Crypto;
using Lockbox.Repository;
using Lockbox.Storage;

namespace Lockbox.Restore;

using PackPlan = Dictionary<string, Dictionary<BlobId, (PackEntry Entry, List<RestoreTarget> Targets)>>;

/// <summary>One place a blob goes: a restored file and the offset in it.</summary>
internal readonly record struct RestoreTarget(string Path, long Offset, ContentElement Element);

/// <summary>
/// Restores a snapshot into a new folder beside the target and swaps it in only when every file is
/// complete and verified: a failed or interrupted restore never leaves a half-written database, nor
/// a stale -wal or -shm file beside a restored one. Blobs are fetched pack by pack, so each pack is
/// read once however many files share it, in segments of a few MiB; workers read and decrypt in
/// parallel while threads of their own write (<see cref="WriteBehind"/>). Consecutive blobs of a
/// file are decrypted into one aligned buffer and written with one large direct write
/// (<see cref="DirectIo"/>); a file of small blobs (a database's pages) goes
/// through the page cache instead, since its runs break often and a direct write of one page would
/// wait for the disk each time. The deltas of a database's changed pages are
/// fetched and verified first and kept aside (in memory up to a budget, then in a file:
/// <see cref="DeltaStore"/>); each is then applied to its base
/// page in the run buffer as the base is decrypted, so the database is written once, directly, in
/// the same pass as everything else.
/// </summary>
internal sealed class Restorer
{
    private const int SegmentSize = 4 * 1024 * 1024;
    private const int MaxGap = 1024 * 1024;
    private const int RunBufferSize = 4 * 1024 * 1024 + 64 * 1024;

    // Runs being filled or written at once (RunBufferSize each), and the threads writing them. With
    // 8 buffers rather than 4 the workers rarely wait for one while the disk takes the writes in
    // bursts: medians of 11 alternating warm restores 3.05 s against 3.32 s, for 17 MB more
    // resident; 12 or 16 gained nothing more.
    private const int RunBuffers = 8;
    private const int Writers = 2;

    // Files whose blobs average less than this are written through the page cache.
    private const int SmallBlobFile = 64 * 1024;

    // A segment with more blobs than this is mostly CPU work.
    private const int ManyBlobs = 64;

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

        // Damage met on the way sets the damaged copies aside, and the restore starts again: from
        // another copy of each blob where the repository holds one, or (partial) without the files
        // that have none. Each round sets aside at least one more copy, so the rounds end.
        var damage = new DamageSeen(_repository);
        var notRestored = new Dictionary<string, string>(StringComparer.Ordinal);
        while (true)
        {
            if (_request.Partial)
            {
                damage.LeaveOutUnreadable(entries, notRestored);
            }

            var attempt = notRestored.Count == 0 ? entries : entries.Where(e => !notRestored.ContainsKey(e.Path)).ToList();
            try
            {
                var (files, bytes) = await RestoreOnceAsync(attempt, target, cancellationToken).ConfigureAwait(false);
                return new RestoreResult(snapshot.Id, files, bytes)
                {
                    NotRestored = [.. notRestored.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => new UnrestoredFile(f.Key, f.Value))],
                };
            }
            catch (LockboxException e) when (e is CorruptObjectException or MissingDataException)
            {
                if (!await damage.SetAsideAsync(e, cancellationToken).ConfigureAwait(false) || (!_request.Partial && !damage.AllReadable(attempt)))
                {
                    throw;
                }
            }
        }
    }

    private async Task<(long Files, long Bytes)> RestoreOnceAsync(List<FileEntry> entries, string target, CancellationToken cancellationToken)
    {
        string staging = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.lockbox-restore-{ObjectIds.NewName()[..12]}");
        Directory.CreateDirectory(staging);
        try
        {
            long bytesTotal = entries.Sum(e => e.Size);
            var files = entries.Where(e => e.Type == FileEntry.FileType).ToDictionary(e => Path.Combine(staging, e.Path), StringComparer.Ordinal);
            StagingFolder.CreateFolders(entries, staging);
            using (var finisher = new FileFinisher(files.Count))
            {
                var sizes = files.ToDictionary(f => f.Key, f => f.Value.Size, StringComparer.Ordinal);
                using (var handles = new FileHandleCache(sizes, path => finisher.Finish(path, files[path])))
                using (var ahead = new DedicatedThreads<string>("lockbox restore create", 1, handles.CreateAhead))
                {
                    // The files are created, in about the order the pass fills them, while it is planned
                    // and the deltas are fetched: a core is mostly idle until the pass starts.
                    foreach (string path in sizes.Where(f => f.Value > 0).Select(f => f.Key))
                    {
                        ahead.Add(path);
                    }

                    await FetchAsync(entries, staging, handles, bytesTotal, cancellationToken).ConfigureAwait(false);
                    ahead.Complete();
                    handles.CreateUnwritten();
                }

                finisher.Complete();
            }

            StagingFolder.FinishFolders(entries, staging);
            StagingFolder.SwapIn(staging, target);
            _bytesDone = 0;
            return (files.Count, bytesTotal);
        }
        catch
        {
            Directory.Delete(staging, recursive: true);
            _bytesDone = 0;
            throw;
        }
    }

    /// <summary>Plans the restore, fetches and verifies the deltas, then writes every blob into the staged files.</summary>
    private async Task FetchAsync(List<FileEntry> entries, string staging, FileHandleCache handles, long bytesTotal, CancellationToken cancellationToken)
    {
        int workers = Math.Max(2, Environment.ProcessorCount);
        var (plan, deltas, buffered) = Plan(entries);
        var context = new PassContext(staging, handles, new DeltaStore(staging, _request.DeltaMemoryBudget), buffered, bytesTotal);
        using (context.Deltas)
        {
            await RunPassAsync(Segments(deltas), workers, context, writes: null, cancellationToken).ConfigureAwait(false);
            using var writes = new WriteBehind(context, RunBuffers, RunBufferSize, Writers);
            await RunPassAsync(Segments(plan), workers, context, writes, cancellationToken).ConfigureAwait(false);
            writes.Complete();
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
    /// Every blob's pack and the places in the restored files it goes, for the whole blobs and bases,
    /// and the deltas (fetched first); all checked before anything is written.
    /// </summary>
    private (PackPlan Whole, PackPlan Deltas, HashSet<string> Buffered) Plan(List<FileEntry> entries)
    {
        var whole = new PackPlan(StringComparer.Ordinal);
        var deltas = new PackPlan(StringComparer.Ordinal);
        var buffered = new HashSet<string>(StringComparer.Ordinal);
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

            if (entry.Content is { Count: > 0 } content && entry.Size / content.Count < SmallBlobFile)
            {
                buffered.Add(entry.Path);
            }

            if (offset != entry.Size)
            {
                throw new LockboxException($"The snapshot's record of {entry.Path} is inconsistent: its blobs add up to {offset} bytes, not {entry.Size}.");
            }
        }

        return (whole, deltas, buffered);
    }

    private BlobLocation Locate(BlobId id, string path) =>
        _repository.Index.TryGet(id, out var location)
            ? location.Value
            : throw new MissingDataException($"Blob {id} of {path} is in no index: the repository is missing data.") { Blob = id };

    private static void Add(PackPlan plan, BlobLocation location, string path, long offset, ContentElement element)
    {
        if (!plan.TryGetValue(location.Pack, out var blobs))
        {
            plan[location.Pack] = blobs = [];
        }

        if (!blobs.TryGetValue(location.Entry.Id, out var item))
        {
            // Room for one place: a blob goes to more only where files share content.
            blobs[location.Entry.Id] = item = (location.Entry, new List<RestoreTarget>(1));
        }

        item.Targets.Add(new RestoreTarget(path, offset, element));
    }

    /// <summary>A run of blobs of one pack, read with one request.</summary>
    private sealed record Segment(string Pack, long Start, List<(PackEntry Entry, List<RestoreTarget> Targets)> Blobs)
    {
        /// <summary>Where the last blob ends; grows as blobs join, in place.</summary>
        public long End { get; set; }
    }

    /// <summary>What the workers share; <paramref name="Deltas"/> holds the verified deltas, by id, until their base is restored.</summary>
    internal sealed record PassContext(string Staging, FileHandleCache Files, DeltaStore Deltas, HashSet<string> Buffered, long BytesTotal);

    /// <summary>Cuts each pack's wanted blobs, in offset order, into segments of at most <see cref="SegmentSize"/>.</summary>
    private static List<Segment> Segments(PackPlan plan)
    {
        var segments = new List<Segment>();
        foreach (var (pack, blobs) in plan)
        {
            Segment? current = null;
            foreach (var (entry, targets) in blobs.Values.OrderBy(b => b.Entry.Offset))
            {
                long end = (long)entry.Offset + entry.StoredLength;
                if (current is null || end - current.Start > SegmentSize || entry.Offset - current.End > MaxGap)
                {
                    current = new Segment(pack, entry.Offset, []);
                    segments.Add(current);
                }

                current.Blobs.Add((entry, targets));
                current.End = end;
            }
        }

        return Interleave(segments);
    }

    /// <summary>
    /// Segments of many small blobs (database pages: decompressed, hashed, some rebuilt from deltas)
    /// spread evenly among the segments of large ones (media: mostly disk), so that the workers keep
    /// both the disk and the CPU busy instead of reading media first and then the database.
    /// </summary>
    private static List<Segment> Interleave(List<Segment> segments)
    {
        var small = segments.Where(s => s.Blobs.Count > ManyBlobs).ToList();
        var large = segments.Where(s => s.Blobs.Count <= ManyBlobs).ToList();
        var order = new List<Segment>(segments.Count);
        int i = 0, j = 0;
        while (i < small.Count || j < large.Count)
        {
            // Take from the list that is further behind in proportion to its length.
            bool takeSmall = j >= large.Count || (i < small.Count && (long)i * large.Count <= (long)j * small.Count);
            order.Add(takeSmall ? small[i++] : large[j++]);
        }

        return order;
    }

    /// <summary>Fetches <paramref name="segments"/>: into the files through <paramref name="writes"/>, or, without it, into the delta store.</summary>
    private async Task RunPassAsync(List<Segment> segments, int workers, PassContext context, WriteBehind? writes, CancellationToken cancellationToken)
    {
        if (segments.Count == 0)
        {
            return;
        }

        var queue = new ConcurrentQueue<Segment>(segments);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = Enumerable.Range(0, Math.Min(workers, segments.Count))
            .Select(_ => Task.Run(() => WorkerAsync(queue, context, writes, failed), CancellationToken.None))
            .ToArray();
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    /// <summary>
    /// Takes segments until none are left. Each worker keeps the read of its next segment running
    /// while it decrypts the one before, so that waiting on storage (a disk that has not cached the
    /// packs, or S3) overlaps the CPU work instead of stalling it.
    /// </summary>
    private async Task WorkerAsync(ConcurrentQueue<Segment> queue, PassContext context, WriteBehind? writes, CancellationTokenSource failed)
    {
        using var codec = new BlobCodec(_repository.Keys);
        using var run = writes is null ? null : new RunWriter(context, _repository.Keys, writes);
        var buffers = new PackBuffer?[2];
        ReadAhead? next = null;
        try
        {
            next = StartRead(queue, buffers, 0, failed.Token);
            for (int slot = 0; next is { } current; slot ^= 1)
            {
                await current.Read.ConfigureAwait(false);
                next = StartRead(queue, buffers, slot ^ 1, failed.Token);
                Restore(current, buffers[slot]!, codec, run, context);
            }
        }
        catch
        {
            await failed.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            // A read still running fills its buffer: it must end before the buffer goes back.
            if (next is { } pending)
            {
                await Task.WhenAny(pending.Read).ConfigureAwait(false);
            }

            foreach (var buffer in buffers.OfType<PackBuffer>())
            {
                PackBuffers.Return(buffer);
            }
        }
    }

    /// <summary>A segment whose read into a worker's buffer has started.</summary>
    private readonly record struct ReadAhead(Segment Segment, ObjectName Name, Task Read);

    private ReadAhead? StartRead(ConcurrentQueue<Segment> queue, PackBuffer?[] buffers, int slot, CancellationToken cancellationToken)
    {
        if (!queue.TryDequeue(out var segment))
        {
            return null;
        }

        cancellationToken.ThrowIfCancellationRequested();
        int length = (int)(segment.End - segment.Start);
        if (buffers[slot] is not { } buffer || buffer.Length < length)
        {
            if (buffers[slot] is { } small)
            {
                buffers[slot] = null;
                PackBuffers.Return(small);
            }

            // Never smaller than a full segment, so that a worker keeps one buffer per slot instead
            // of mapping a new one whenever a longer segment comes.
            buffers[slot] = buffer = PackBuffers.Rent(Math.Max(length, SegmentSize));
        }

        var name = new ObjectName(ObjectKind.Pack, segment.Pack);
        return new ReadAhead(segment, name, ReadSegmentAsync(name, segment.Start, buffer.Memory[..length], segment.Blobs.Count, cancellationToken));
    }

    /// <summary>Opens a read segment's blobs: into the files through <paramref name="run"/>, or, without it, into the delta store.</summary>
    private void Restore(ReadAhead read, PackBuffer buffer, BlobCodec codec, RunWriter? run, PassContext context)
    {
        foreach (var (entry, targets) in read.Segment.Blobs)
        {
            var stored = buffer.Span.Slice((int)(entry.Offset - read.Segment.Start), (int)entry.StoredLength);
            if (run is not null)
            {
                run.Add(codec, stored, entry, targets, read.Name);
                Report(context, entry.RawLength * targets.Count);
            }
            else
            {
                context.Deltas.Add(entry.Id, codec.Open(stored, entry, read.Name), read.Name);
            }
        }

        run?.Flush();
    }

    private async Task ReadSegmentAsync(ObjectName name, long start, Memory<byte> destination, int blobs, CancellationToken cancellationToken)
    {
        try
        {
            await _repository.Storage.ReadRangeAsync(name, start, destination, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException e)
        {
            throw new MissingDataException($"Pack {name.Path} is missing; it holds {blobs} blob(s) this restore needs.", e) { Pack = name.Name };
        }
        catch (EndOfStreamException e)
        {
            throw new CorruptObjectException(name, "it is shorter than its index says (truncated).", inner: e);
        }
    }

    private void Report(PassContext context, long bytes) =>
        _request.Progress?.Report(new RestoreProgress(Interlocked.Add(ref _bytesDone, bytes), context.BytesTotal));
}
