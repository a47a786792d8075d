using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Lockbox.Storage;

namespace Lockbox.Tests.Storage;

/// <summary>The faults <see cref="FaultInjectingStorage"/> can inject.</summary>
[Flags]
public enum StorageFault
{
    None = 0,

    /// <summary>The call fails with an I/O error before reaching the storage.</summary>
    Error = 1,

    /// <summary>The call hangs until it is cancelled.</summary>
    Hang = 2,

    /// <summary>A write stores only part of the object, then fails.</summary>
    PartialWrite = 4,

    /// <summary>A read completes, but late.</summary>
    SlowRead = 8,

    /// <summary>A read or existence check says the object is not there.</summary>
    ReportedMissing = 16,
}

/// <summary>
/// Wraps a storage and injects faults, chosen by a seeded random generator, so a run is repeatable
/// from its seed. Transient faults hit one object at most <see cref="FaultInjectingStorage.MaxFaultsPerObject"/>
/// times in a row, so an operation retried often enough succeeds; a lasting fault hits every call
/// that <see cref="FaultInjectingStorage.LastingFault"/> selects.
/// </summary>
public sealed class FaultInjectingStorage(IStorage inner, int seed, double rate, StorageFault faults) : IStorage
{
    private readonly Random _random = new(seed);
    private readonly ConcurrentDictionary<string, int> _consecutive = new(StringComparer.Ordinal);
    private int _injected;

    public string Location => inner.Location;

    /// <summary>How many times in a row one object may be hit by a transient fault.</summary>
    public int MaxFaultsPerObject { get; init; } = 2;

    /// <summary>How late a slow read completes.</summary>
    public TimeSpan SlowReadDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Calls that fail every time: (operation, object name) → the fault, or None.</summary>
    public Func<string, ObjectName?, StorageFault> LastingFault { get; init; } = (_, _) => StorageFault.None;

    /// <summary>Faults injected so far.</summary>
    public int Injected => Volatile.Read(ref _injected);

    public async Task WriteAsync(ObjectName name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        var fault = Choose("write", name, StorageFault.Error | StorageFault.Hang | StorageFault.PartialWrite);
        await InjectAsync(fault, cancellationToken);
        if (fault == StorageFault.PartialWrite)
        {
            await inner.WriteAsync(name, data[..(data.Length / 2)], cancellationToken);
            throw new IOException($"Injected fault: the write of {name.Path} broke off half way.");
        }

        await inner.WriteAsync(name, data, cancellationToken);
    }

    public async Task<byte[]> ReadAsync(ObjectName name, CancellationToken cancellationToken = default)
    {
        await InjectAsync(Choose("read", name, StorageFault.Error | StorageFault.Hang | StorageFault.SlowRead | StorageFault.ReportedMissing), cancellationToken, name);
        return await inner.ReadAsync(name, cancellationToken);
    }

    public async Task ReadRangeAsync(ObjectName name, long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        await InjectAsync(Choose("read", name, StorageFault.Error | StorageFault.Hang | StorageFault.SlowRead | StorageFault.ReportedMissing), cancellationToken, name);
        await inner.ReadRangeAsync(name, offset, destination, cancellationToken);
    }

    public async IAsyncEnumerable<StoredObject> ListAsync(ObjectKind kind, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await InjectAsync(Choose("list", null, StorageFault.Error | StorageFault.Hang), cancellationToken);
        await foreach (var item in inner.ListAsync(kind, cancellationToken))
        {
            yield return item;
        }
    }

    public async Task<bool> ExistsAsync(ObjectName name, CancellationToken cancellationToken = default)
    {
        var fault = Choose("exists", name, StorageFault.Error | StorageFault.Hang | StorageFault.ReportedMissing);
        if (fault == StorageFault.ReportedMissing)
        {
            return false;
        }

        await InjectAsync(fault, cancellationToken);
        return await inner.ExistsAsync(name, cancellationToken);
    }

    public async Task DeleteAsync(ObjectName name, CancellationToken cancellationToken = default)
    {
        await InjectAsync(Choose("delete", name, StorageFault.Error | StorageFault.Hang), cancellationToken);
        await inner.DeleteAsync(name, cancellationToken);
    }

    public IStorage Child(string name) => new FaultInjectingStorage(inner.Child(name), seed, rate, faults)
    {
        MaxFaultsPerObject = MaxFaultsPerObject,
        SlowReadDelay = SlowReadDelay,
        LastingFault = LastingFault,
    };

    private StorageFault Choose(string operation, ObjectName? name, StorageFault possible)
    {
        var lasting = LastingFault(operation, name);
        if (lasting != StorageFault.None)
        {
            Interlocked.Increment(ref _injected);
            return lasting;
        }

        string key = operation + ":" + (name?.Path ?? "");
        StorageFault chosen = StorageFault.None;
        lock (_random)
        {
            var candidates = Enum.GetValues<StorageFault>().Where(f => f != StorageFault.None && (faults & possible & f) != 0).ToArray();
            if (candidates.Length > 0 && _random.NextDouble() < rate)
            {
                chosen = candidates[_random.Next(candidates.Length)];
            }
        }

        if (chosen == StorageFault.None || _consecutive.AddOrUpdate(key, 1, (_, n) => n + 1) > MaxFaultsPerObject)
        {
            _consecutive.TryRemove(key, out _);
            return StorageFault.None;
        }

        Interlocked.Increment(ref _injected);
        return chosen;
    }

    private async Task InjectAsync(StorageFault fault, CancellationToken cancellationToken, ObjectName? name = null)
    {
        switch (fault)
        {
            case StorageFault.Error:
                throw new IOException("Injected fault: the storage failed.");
            case StorageFault.Hang:
                await Task.Delay(Timeout.Infinite, cancellationToken);
                break;
            case StorageFault.SlowRead:
                await Task.Delay(SlowReadDelay, cancellationToken);
                break;
            case StorageFault.ReportedMissing when name is { } missing:
                throw new ObjectNotFoundException(missing);
        }
    }
}
