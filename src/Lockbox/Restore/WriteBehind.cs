using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
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
    private readonly BlockingCollection<PackBuffer> _free = new(new ConcurrentBag<PackBuffer>());
    private readonly BlockingCollection<Run> _pending = new(new ConcurrentQueue<Run>());
    private readonly List<PackBuffer> _buffers = [];
    private readonly CancellationTokenSource _failed = new();
    private readonly Thread[] _writers;
    private Exception? _failure;

    public WriteBehind(Restorer.PassContext context, int buffers, int bufferSize, int writers)
    {
        _context = context;
        for (int i = 0; i < buffers; i++)
        {
            var buffer = new PackBuffer(bufferSize);
            _buffers.Add(buffer);
            _free.Add(buffer);
        }

        _writers = [.. Enumerable.Range(0, writers).Select(_ => new Thread(WriteRuns) { IsBackground = true, Name = "lockbox restore write" })];
        foreach (var writer in _writers)
        {
            writer.Start();
        }
    }

    /// <summary>A free run buffer; waits while all are being written, and throws once a write has failed.</summary>
    public PackBuffer Rent()
    {
        if (_failure is not null)
        {
            ExceptionDispatchInfo.Throw(_failure);
        }

        try
        {
            return _free.Take(_failed.Token);
        }
        catch (OperationCanceledException)
        {
            ExceptionDispatchInfo.Throw(_failure!);
            throw;
        }
    }

    public void Return(PackBuffer buffer) => _free.Add(buffer);

    /// <summary>Queues <paramref name="buffer"/>[<paramref name="start"/>..<paramref name="end"/>] for <paramref name="path"/> at <paramref name="fileOffset"/>; the buffer comes back to the free set once written.</summary>
    public void Submit(string path, PackBuffer buffer, int start, int end, long fileOffset)
    {
        if (_failure is not null)
        {
            Return(buffer);
            ExceptionDispatchInfo.Throw(_failure);
        }

        _pending.Add(new Run(path, buffer, start, end, fileOffset));
    }

    /// <summary>Waits until every queued run is written; throws the first write's failure.</summary>
    public void Complete()
    {
        Stop();
        if (_failure is not null)
        {
            ExceptionDispatchInfo.Throw(_failure);
        }
    }

    private void Stop()
    {
        _pending.CompleteAdding();
        foreach (var writer in _writers)
        {
            writer.Join();
        }
    }

    private void WriteRuns()
    {
        foreach (var run in _pending.GetConsumingEnumerable())
        {
            try
            {
                if (_failure is null)
                {
                    _context.Files.Write(Path.Combine(_context.Staging, run.Path), run.Buffer.Span[run.Start..run.End], run.FileOffset, direct: !_context.Buffered.Contains(run.Path));
                }
            }
            catch (Exception e)
            {
                if (Interlocked.CompareExchange(ref _failure, e, null) is null)
                {
                    _failed.Cancel();
                }
            }
            finally
            {
                Return(run.Buffer);
            }
        }
    }

    /// <summary>Stops the writers, after the runs already queued, so no write outlives the restore's files.</summary>
    public void Dispose()
    {
        // Runs still queued after a failure elsewhere are dropped: the staging folder is deleted.
        Interlocked.CompareExchange(ref _failure, new OperationCanceledException(), null);
        Stop();
        foreach (var buffer in _buffers)
        {
            ((IDisposable)buffer).Dispose();
        }

        _free.Dispose();
        _pending.Dispose();
        _failed.Dispose();
    }

    private readonly record struct Run(string Path, PackBuffer Buffer, int Start, int End, long FileOffset);
}
