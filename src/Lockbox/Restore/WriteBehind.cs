using Lockbox.Repository;

namespace Lockbox.Restore;

/// <summary>
/// Writes the restore's runs on threads of their own, from a fixed set of run buffers, so that a
/// worker goes on decrypting the next segment while the disk takes the last run. With each worker
/// doing both, a core sat idle for every direct write. When every buffer is in flight, the workers
/// wait: memory stays at the set's size however fast the disk is.
/// </summary>
internal sealed class WriteBehind : IDisposable
{
    private readonly Restorer.PassContext _context;
    private readonly WaitQueue<PackBuffer> _free = new();
    private readonly List<PackBuffer> _buffers = [];
    private readonly DedicatedThreads<Run> _writers;

    public WriteBehind(Restorer.PassContext context, int buffers, int bufferSize, int writers)
    {
        _context = context;
        for (int i = 0; i < buffers; i++)
        {
            var buffer = new PackBuffer(bufferSize);
            _buffers.Add(buffer);
            _free.Add(buffer);
        }

        _writers = new DedicatedThreads<Run>("lockbox restore write", writers, Write, run => Return(run.Buffer));
    }

    /// <summary>A free run buffer; waits while all are being written, and throws once a write has failed.</summary>
    public PackBuffer Rent()
    {
        _writers.ThrowIfFailed();
        try
        {
            // The free set is never completed: a take ends with a buffer or with the writers' failure.
            _free.TryTake(out var buffer, _writers.Failed);
            return buffer;
        }
        catch (OperationCanceledException)
        {
            _writers.ThrowIfFailed();
            throw;
        }
    }

    public void Return(PackBuffer buffer) => _free.Add(buffer);

    /// <summary>Queues <paramref name="buffer"/>[<paramref name="start"/>..<paramref name="end"/>] for <paramref name="path"/> at <paramref name="fileOffset"/>; the buffer comes back to the free set once written.</summary>
    public void Submit(string path, PackBuffer buffer, int start, int end, long fileOffset)
    {
        try
        {
            _writers.ThrowIfFailed();
        }
        catch
        {
            Return(buffer);
            throw;
        }

        _writers.Add(new Run(path, buffer, start, end, fileOffset));
    }

    /// <summary>Waits until every queued run is written; throws the first write's failure.</summary>
    public void Complete() => _writers.Complete();

    private void Write(Run run) =>
        _context.Files.Write(Path.Combine(_context.Staging, run.Path), run.Buffer.Span[run.Start..run.End], run.FileOffset, direct: !_context.Buffered.Contains(run.Path));

    /// <summary>Stops the writers, after the runs already queued, so no write outlives the restore's files.</summary>
    public void Dispose()
    {
        // Runs still queued after a failure elsewhere are dropped: the staging folder is deleted.
        _writers.Dispose();
        foreach (var buffer in _buffers)
        {
            ((IDisposable)buffer).Dispose();
        }
    }

    private readonly record struct Run(string Path, PackBuffer Buffer, int Start, int End, long FileOffset);
}
