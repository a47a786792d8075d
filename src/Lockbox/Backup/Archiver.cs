using System.Buffers;
using System.Text.Json;
using Lockbox.ChatStore;
using Lockbox.Chunking;
using Lockbox.Crypto;
using Lockbox.Repository;

namespace Lockbox.Backup;

/// <summary>
/// The front half of the backup pipeline: walks the chat store, copies live SQLite databases
/// through the online backup API, chunks and identifies content, skips what the repository
/// already holds, and finally writes the manifest and, last of all, the snapshot.
/// </summary>
internal sealed class Archiver
{
    private const int ReadSize = 1024 * 1024;

    private readonly Repository.Repository _repository;
    private readonly BackupRequest _request;
    private readonly HashSet<BlobId> _queued = [];
    private readonly string _source;
    private long _bytesDone;
    private long _filesDone;
    private bool _poolTrimmed;

    public Archiver(Repository.Repository repository, BackupRequest request)
    {
        _repository = repository;
        _request = request;
        _source = Path.GetFullPath(request.Source);
    }

    public async Task<BackupResult> RunAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset started = _request.Time.GetUtcNow();
        string source = _source;
        await PackRecovery.IndexLeftoverPacksAsync(_repository, cancellationToken).ConfigureAwait(false);
        _repository.Index.SetAsideDamagedCopies(KnownDamage.Load(_request.CacheFolder, _repository.Id));

        var (items, skipped) = SourceScanner.Scan(source);
        var databases = items.Where(i => !i.IsDirectory && SqliteDatabase.IsDatabase(i.FullPath)).Select(i => i.FullPath).ToHashSet(StringComparer.Ordinal);
        items.RemoveAll(i => !i.IsDirectory && SqliteDatabase.CompanionSuffixes.Any(s => i.FullPath.EndsWith(s, StringComparison.Ordinal) && databases.Contains(i.FullPath[..^s.Length])));
        long bytesTotal = items.Sum(i => i.Size);
        var parent = await FindParentAsync(source, cancellationToken).ConfigureAwait(false);

        var uploader = new BlobUploader(_repository, cancellationToken);
        var entries = new List<FileEntry>(items.Count);
        string workFolder = Directory.CreateTempSubdirectory("lockbox-backup-").FullName;
        try
        {
            foreach (var item in items)
            {
                cancellationToken.ThrowIfCancellationRequested();
                entries.Add(await ArchiveItemAsync(item, databases.Contains(item.FullPath), parent.Files, workFolder, uploader, cancellationToken).ConfigureAwait(false));
                _filesDone++;
                Report(items.Count, bytesTotal, uploader, item.RelativePath);
            }

            var manifest = await ManifestBlobs.StoreAsync(_repository, entries, (id, plaintext, type) => QueueIfNewAsync(id, plaintext, type, uploader)).ConfigureAwait(false);
            await uploader.CompleteAsync().ConfigureAwait(false);

            var summary = new BackupSummary
            {
                Files = entries.Count(e => e.Type == FileEntry.FileType),
                Bytes = entries.Sum(e => e.Size),
                NewBlobs = uploader.NewBlobs,
                NewBytes = uploader.NewBytes,
                UploadedBytes = uploader.UploadedBytes,
                Skipped = skipped,
            };
            var snapshot = new Snapshot
            {
                Time = _request.SnapshotTime ?? started,
                Hostname = _request.Hostname,
                Source = source,
                Tags = _request.Tags,
                Parent = parent.Id,
                Manifest = manifest,
                Summary = summary,
            };

            // The commit point: until this object exists, the backup is invisible and harmless.
            string id = await _repository.SaveSnapshotAsync(snapshot, cancellationToken).ConfigureAwait(false);
            return new BackupResult(id, summary) { Time = snapshot.Time, RollbackWarning = parent.Warning };
        }
        catch
        {
            await uploader.AbortAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            Directory.Delete(workFolder, recursive: true);
        }
    }

    private async Task<FileEntry> ArchiveItemAsync(
        SourceItem item, bool isDatabase, Dictionary<string, FileEntry> parentFiles, string workFolder, BlobUploader uploader, CancellationToken cancellationToken)
    {
        var entry = new FileEntry
        {
            Path = item.RelativePath,
            Type = item.IsDirectory ? FileEntry.DirectoryType : FileEntry.FileType,
            Mode = item.Mode,
            ModifiedTime = item.ModifiedTime,
            Size = item.Size,
            IsSqliteDatabase = isDatabase,
        };
        if (item.IsDirectory)
        {
            return entry;
        }

        // An unchanged file (same size and time as in the parent, all blobs present) is not read again.
        if (!isDatabase && parentFiles.TryGetValue(item.RelativePath, out var previous) && previous.Type == FileEntry.FileType
            && previous.Size == item.Size && previous.ModifiedTime == item.ModifiedTime && previous.Content is not null
            && previous.Content.All(e => ContentElement.Parse(e).StoredBlobs.All(_repository.Index.Contains)))
        {
            _bytesDone += item.Size;
            return entry with { Content = previous.Content };
        }

        if (!isDatabase)
        {
            var content = await ChunkFileAsync(item.FullPath, _repository.Chunker, uploader, cancellationToken).ConfigureAwait(false);
            return entry with { Content = content.Ids, Size = content.Length };
        }

        // From here on blobs are pages of a few KiB: the media chunks' buffers would only sit idle.
        // Once per backup: the trim costs a full, compacting collection of the whole process.
        if (!_poolTrimmed)
        {
            BlobBuffers.Trim();
            _poolTrimmed = true;
        }
        string copy = Path.Combine(workFolder, "database-copy");
        try
        {
            SqliteDatabase.Copy(item.FullPath, copy);
            string basePath = DatabasePageArchiver.BasePath(CacheFolders.Resolve(_request.CacheFolder, _repository.Id), _source, item.RelativePath);
            IReadOnlyList<string>? parentContent = parentFiles.TryGetValue(item.RelativePath, out var parentEntry) && parentEntry.IsSqliteDatabase
                ? parentEntry.Content
                : null;
            using var pages = new DatabasePageArchiver(_repository);
            var (content, length) = await pages.ArchiveAsync(
                copy, SqliteDatabase.ReadPageSize(copy), parentContent, basePath,
                (id, plaintext, type) => QueueIfNewAsync(id, plaintext, type, uploader), cancellationToken).ConfigureAwait(false);
            _bytesDone += length;
            return entry with { Content = content, Size = length };
        }
        finally
        {
            File.Delete(copy);
        }
    }

    private async Task<(List<string> Ids, long Length)> ChunkFileAsync(string path, FastCdc chunker, BlobUploader uploader, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        long length = 0;

        // Room for two of the largest chunks: the unread rest moves to the front only when the free
        // space falls below one read, about once per 3 MiB, not after every chunk (which copied ~4x
        // the file's bytes).
        byte[] buffer = BlobBuffers.Pool.Rent(2 * chunker.MaxChunkSize);
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
            int start = 0;
            int end = 0;
            bool endOfFile = false;
            while (true)
            {
                while (!endOfFile && end - start < chunker.MaxChunkSize)
                {
                    if (buffer.Length - end < ReadSize)
                    {
                        buffer.AsSpan(start, end - start).CopyTo(buffer);
                        end -= start;
                        start = 0;
                    }

                    int read = await stream.ReadAsync(buffer.AsMemory(end, Math.Min(ReadSize, buffer.Length - end)), cancellationToken).ConfigureAwait(false);
                    endOfFile = read == 0;
                    end += read;
                }

                if (end == start)
                {
                    break;
                }

                // A file shorter than the largest chunk is one blob, uncut (docs/FORMAT.md §10).
                bool wholeFile = length == 0 && endOfFile && end - start < chunker.MaxChunkSize;
                int chunkLength = wholeFile ? end - start : chunker.NextChunkLength(buffer.AsSpan(start, end - start), endOfFile);
                var id = _repository.Keys.ComputeId(buffer.AsSpan(start, chunkLength));
                await QueueIfNewAsync(id, buffer.AsSpan(start, chunkLength), BlobType.Data, uploader).ConfigureAwait(false);
                ids.Add(id.ToString());
                length += chunkLength;
                _bytesDone += chunkLength;
                start += chunkLength;
            }
        }
        finally
        {
            BlobBuffers.Pool.Return(buffer);
        }

        return (ids, length);
    }

    /// <summary>Queues a blob for upload unless the repository has it or this backup already queued it.</summary>
    private ValueTask QueueIfNewAsync(BlobId id, ReadOnlySpan<byte> plaintext, BlobType type, BlobUploader uploader)
    {
        if (_repository.Index.Contains(id) || !_queued.Add(id))
        {
            return ValueTask.CompletedTask;
        }

        return uploader.AddAsync(id, type, BlobBuffers.RentForSealing(plaintext), plaintext.Length);
    }

    private async Task<(string? Id, Dictionary<string, FileEntry> Files, RollbackWarning? Warning)> FindParentAsync(string source, CancellationToken cancellationToken)
    {
        var listing = await _repository.ReadSnapshotsAsync(cancellationToken).ConfigureAwait(false);

        // Oldest first: the last of the group is its newest.
        var parent = listing.Intact.LastOrDefault(s => s.Snapshot.Source == source && s.Snapshot.Hostname == _request.Hostname);
        if (_request.ExpectNewest is { } expected && (parent is null || parent.Snapshot.Time < expected))
        {
            // The storage shows an older state than the caller saw: nothing of this backup is based
            // on it. No parent means every file is read and chunked again and every database page
            // stored whole (no delta against the cached base), deduplicated against what is stored.
            return (null, [], new RollbackWarning(expected, parent?.Snapshot.Time, _request.Hostname, source, listing.Damaged.Count) { ParentWithheld = true });
        }

        if (parent is null)
        {
            return (null, [], null);
        }

        using var codec = new BlobCodec(_repository.Keys);
        try
        {
            var manifest = await _repository.ReadManifestAsync(parent.Snapshot, codec, cancellationToken).ConfigureAwait(false);
            return (parent.Id, manifest.ToDictionary(e => e.Path, StringComparer.Ordinal), null);
        }
        catch (LockboxException e) when (e is CorruptObjectException or MissingDataException)
        {
            // The parent's file list is damaged: back up as if there were no parent (every file
            // read again, deduplicated against what is intact), rather than not at all.
            return (null, [], null);
        }
    }

    private void Report(int filesTotal, long bytesTotal, BlobUploader uploader, string current) =>
        _request.Progress?.Report(new BackupProgress(_filesDone, filesTotal, _bytesDone, bytesTotal, uploader.UploadedBytes, current));
}
