namespace Lockbox.Restore;

/// <summary>
/// A first-in first-out queue whose takers sleep until an item comes. Unlike BlockingCollection,
/// a taker does not spin first: on two cores, the restore's 19 waiting threads (writers, flushers,
/// the file creator) each yielded about 30 times per item, 60,000 context switches a restore,
/// taking the CPU from the threads that had work.
/// </summary>
/// <typeparam name="T">An item.</typeparam>
internal sealed class WaitQueue<T>
{
    private readonly Queue<T> _items = new();
    private bool _completed;

    /// <summary>Adds an item and wakes one taker.</summary>
    /// <exception cref="InvalidOperationException">The queue is completed.</exception>
    public void Add(T item)
    {
        lock (_items)
        {
            if (_completed)
            {
                throw new InvalidOperationException("The queue takes no more items.");
            }

            _items.Enqueue(item);
            Monitor.Pulse(_items);
        }
    }

    /// <summary>No more items will come: takers get what is left, then false.</summary>
    public void Complete()
    {
        lock (_items)
        {
            _completed = true;
            Monitor.PulseAll(_items);
        }
    }

    /// <summary>
    /// Waits for the next item; false once the queue is completed and empty.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting.</exception>
    public bool TryTake(out T item, CancellationToken cancellationToken = default)
    {
        using var wake = cancellationToken.CanBeCanceled ? cancellationToken.Register(WakeAll) : default;
        lock (_items)
        {
            while (_items.Count == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (_completed)
                {
                    item = default!;
                    return false;
                }

                Monitor.Wait(_items);
            }

            item = _items.Dequeue();
            return true;
        }
    }

    private void WakeAll()
    {
        lock (_items)
        {
            Monitor.PulseAll(_items);
        }
    }
}
