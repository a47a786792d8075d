using Lockbox.Storage;

namespace Lockbox.Tests.Client;

/// <summary>Thrown where the process would have died.</summary>
public sealed class SimulatedCrashException : Exception
{
    public SimulatedCrashException()
        : base("simulated crash")
    {
    }
}

/// <summary>
/// Storage that dies at its <paramref name="crashAt"/>th call: that call and every later one throw,
/// as nothing more reaches storage from a killed process. With crashAt past the end it only counts.
/// </summary>
public sealed class CrashAfter(IStorage inner, int crashAt) : IStorage
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public string Location => inner.Location;

    public Task WriteAsync(ObjectName name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) => Call(() => inner.WriteAsync(name, data, cancellationToken));

    public Task<byte[]> ReadAsync(ObjectName name, CancellationToken cancellationToken = default) => Call(() => inner.ReadAsync(name, cancellationToken));

    public Task ReadRangeAsync(ObjectName name, long offset, Memory<byte> destination, CancellationToken cancellationToken = default) =>
        Call(() => inner.ReadRangeAsync(name, offset, destination, cancellationToken));

    public async IAsyncEnumerable<StoredObject> ListAsync(ObjectKind kind, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Tick();
        await foreach (var item in inner.ListAsync(kind, cancellationToken))
        {
            yield return item;
        }
    }

    public Task<bool> ExistsAsync(ObjectName name, CancellationToken cancellationToken = default) => Call(() => inner.ExistsAsync(name, cancellationToken));

    public Task DeleteAsync(ObjectName name, CancellationToken cancellationToken = default) => Call(() => inner.DeleteAsync(name, cancellationToken));

    public IStorage Child(string name) => new SharedCount(this, inner.Child(name));

    private Task<T> Call<T>(Func<Task<T>> call)
    {
        Tick();
        return call();
    }

    private Task Call(Func<Task> call)
    {
        Tick();
        return call();
    }

    private void Tick()
    {
        if (Interlocked.Increment(ref _calls) >= crashAt)
        {
            throw new SimulatedCrashException();
        }
    }

    /// <summary>A child of the crashing storage: the same process, so the same count.</summary>
    private sealed class SharedCount(CrashAfter parent, IStorage inner) : IStorage
    {
        public string Location => inner.Location;

        public Task WriteAsync(ObjectName name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) => parent.Call(() => inner.WriteAsync(name, data, cancellationToken));

        public Task<byte[]> ReadAsync(ObjectName name, CancellationToken cancellationToken = default) => parent.Call(() => inner.ReadAsync(name, cancellationToken));

        public Task ReadRangeAsync(ObjectName name, long offset, Memory<byte> destination, CancellationToken cancellationToken = default) =>
            parent.Call(() => inner.ReadRangeAsync(name, offset, destination, cancellationToken));

        public async IAsyncEnumerable<StoredObject> ListAsync(ObjectKind kind, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            parent.Tick();
            await foreach (var item in inner.ListAsync(kind, cancellationToken))
            {
                yield return item;
            }
        }

        public Task<bool> ExistsAsync(ObjectName name, CancellationToken cancellationToken = default) => parent.Call(() => inner.ExistsAsync(name, cancellationToken));

        public Task DeleteAsync(ObjectName name, CancellationToken cancellationToken = default) => parent.Call(() => inner.DeleteAsync(name, cancellationToken));

        public IStorage Child(string name) => new SharedCount(parent, inner.Child(name));
    }
}
