using Lockbox.Repository;

namespace Lockbox.Restore;

/// <summary>
/// Finishes each restored file (its mode and time as backed up, then flushed to disk) as soon as
/// its last byte is written, while the rest of the restore goes on; flushing all of them after the
/// pass kept the restore waiting 0.2-0.5 s at the end. On threads of their own, many at once:
/// each flush mostly waits for the disk, concurrent flushes share its work, and the thread pool
/// would run only a few of these waits at a time.
/// </summary>
internal sealed class FileFinisher : IDisposable
{
    private const int ConcurrentFlushes = 16;

    private readonly DedicatedThreads<(string Path, FileEntry Entry)> _flushers;

    /// <param name="files">How many files the restore finishes: no more flushers than that.</param>
    public FileFinisher(int files) =>
        _flushers = new("lockbox restore flush", Math.Clamp(files, 1, ConcurrentFlushes), file => StagingFolder.FinishFile(file.Path, file.Entry));

    /// <summary>Queues a complete file at <paramref name="path"/>; nothing may write to it any more.</summary>
    public void Finish(string path, FileEntry entry) => _flushers.Add((path, entry));

    /// <summary>Waits until every queued file is finished; throws the first failure.</summary>
    public void Complete() => _flushers.Complete();

    /// <summary>Stops the flushers, after the files already queued; after a failure elsewhere, files still queued are dropped.</summary>
    public void Dispose() => _flushers.Dispose();
}
