using Lockbox.Storage;
using Xunit;

namespace Lockbox.Tests.Storage;

/// <summary>
/// The behaviour every <see cref="IStorage"/> must have. Each backend's test class derives from this
/// and supplies a fresh, empty storage.
/// </summary>
public abstract class StorageContract
{
    protected abstract IStorage Storage { get; }

    [Fact]
    public async Task Written_object_reads_back_byte_for_byte()
    {
        var name = new ObjectName(ObjectKind.Pack, "ab" + new string('0', 62));
        byte[] data = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7)).ToArray();
        await Storage.WriteAsync(name, data);
        Assert.Equal(data, await Storage.ReadAsync(name));
        Assert.True(await Storage.ExistsAsync(name));
    }

    [Fact]
    public async Task Range_reads_count_from_the_start_or_from_the_end()
    {
        var name = new ObjectName(ObjectKind.Index, "cd" + new string('1', 62));
        byte[] data = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        await Storage.WriteAsync(name, data);
        Assert.Equal(data[10..30], await Storage.ReadRangeAsync(name, 10, 20));
        Assert.Equal(data[^4..], await Storage.ReadRangeAsync(name, -4, 4));
    }

    [Fact]
    public async Task Missing_object_is_reported_by_name()
    {
        var name = new ObjectName(ObjectKind.Snapshot, new string('e', 64));
        var error = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Storage.ReadAsync(name));
        Assert.Equal(name, error.ObjectName);
        Assert.Contains(name.Path, error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => Storage.ReadRangeAsync(name, 0, 1));
        Assert.False(await Storage.ExistsAsync(name));
    }

    [Fact]
    public async Task Listing_returns_each_kind_with_sizes_and_nothing_else()
    {
        await Storage.WriteAsync(ObjectName.Config, new byte[10]);
        var pack1 = new ObjectName(ObjectKind.Pack, "00" + new string('a', 62));
        var pack2 = new ObjectName(ObjectKind.Pack, "ff" + new string('b', 62));
        var snapshot = new ObjectName(ObjectKind.Snapshot, new string('c', 64));
        await Storage.WriteAsync(pack1, new byte[5]);
        await Storage.WriteAsync(pack2, new byte[6]);
        await Storage.WriteAsync(snapshot, new byte[7]);

        var packs = await Storage.ListAsync(ObjectKind.Pack).ToListAsync();
        Assert.Equal([new StoredObject(pack1, 5), new StoredObject(pack2, 6)], packs.OrderBy(p => p.Name.Name));
        Assert.Equal([new StoredObject(snapshot, 7)], await Storage.ListAsync(ObjectKind.Snapshot).ToListAsync());
        Assert.Equal([new StoredObject(ObjectName.Config, 10)], await Storage.ListAsync(ObjectKind.Config).ToListAsync());
        Assert.Empty(await Storage.ListAsync(ObjectKind.Index).ToListAsync());
    }

    [Fact]
    public async Task Deleting_removes_the_object_and_deleting_again_is_harmless()
    {
        var name = new ObjectName(ObjectKind.Lock, new string('d', 64));
        await Storage.WriteAsync(name, new byte[3]);
        await Storage.DeleteAsync(name);
        Assert.False(await Storage.ExistsAsync(name));
        await Storage.DeleteAsync(name);
    }

    [Fact]
    public async Task Empty_object_round_trips()
    {
        var name = new ObjectName(ObjectKind.Index, new string('9', 64));
        await Storage.WriteAsync(name, ReadOnlyMemory<byte>.Empty);
        Assert.Empty(await Storage.ReadAsync(name));
    }
}
