using System.Runtime.ExceptionServices;

namespace Lockbox.Restore;

/// <summary>
/// A few threads of their own that process queued items, for blocking work (disk writes, flushes)
/// that would hold up the thread pool. The first failure is kept: the items after it are skipped,
/// <see cref="Failed"/> is cancelled, and <see cref="Complete"/> throws it.
/// </summary>
/// <typeparam name="T">A unit of work.</typeparam>
internal sealed class DedicatedThreads<T> : IDisposable
{
    private readonly WaitQueue<T> _pending = new();
    private readonly CancellationTokenSource _failed = new();
    private readonly Action<T> _process;
    private readonly Action<T> _done;
    private readonly Thread[] _threads;
    private Exception? _failure;

    /// <param name="name">The threads' name.</param>
    /// <param name="count">How many threads.</param>
    /// <param name="process">The work on one item.</param>
    /// <param name="done">Called for every item after <paramref name="process"/>, or instead of it when skipped (to return a buffer).</param>
    public DedicatedThreads(string name, int count, Action<T> process, Action<T>? done = null)
    {
        _process = process;
        _done = done ?? (_ => { });
        _threads = [.. Enumerable.Range(0, count).Select(_ => new Thread(Run) { IsBackground = true, Name = name })];
        foreach (var thread in _threads)
        {
            thread.Start();
        }
    }

    /// <summary>Cancelled once an item has failed.</summary>
    public CancellationToken Failed => _failed.Token;

    /// <summary>Throws the first failure, if there was one.</summary>
    public void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is { } failure)
        {
            ExceptionDispatchInfo.Throw(failure);
        }
    }

    public void Add(T item) => _pending.Add(item);

    /// <summary>Waits until every queued item is processed; throws the first failure.</summary>
    public void Complete()
    {
        Stop();
        ThrowIfFailed();
    }

    private void Stop()
    {
        _pending.Complete();
        foreach (var thread in _threads)
        {
            thread.Join();
        }
    }

    private void Run()
    {
        while (_pending.TryTake(out var item))
        {
            try
            {
                if (Volatile.Read(ref _failure) is null)
                {
                    _process(item);
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
                _done(item);
            }
        }
    }

    /// <summary>Stops the threads; after a failure elsewhere, items still queued are skipped.</summary>
    public void Dispose()
    {
        Interlocked.CompareExchange(ref _failure, new OperationCanceledException(), null);
        Stop();
        _failed.Dispose();
    }
}
