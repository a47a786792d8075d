using Lockbox.Restore;
using Xunit;

namespace Lockbox.Tests.Engine;

/// <summary>The restore's hand-over queue: items come out in order, a completed queue is drained before it reports the end, and a cancelled wait ends.</summary>
public sealed class WaitQueueTests
{
    [Fact]
    public void Items_come_out_in_the_order_they_went_in_and_a_completed_queue_is_drained_first()
    {
        var queue = new WaitQueue<int>();
        queue.Add(1);
        queue.Add(2);
        queue.Complete();

        Assert.True(queue.TryTake(out int first));
        Assert.True(queue.TryTake(out int second));
        Assert.False(queue.TryTake(out _));
        Assert.Equal((1, 2), (first, second));
        Assert.Throws<InvalidOperationException>(() => queue.Add(3));
    }

    [Fact]
    public async Task A_waiting_taker_gets_an_item_added_by_another_thread()
    {
        var queue = new WaitQueue<string>();
        var taker = Task.Run(() => queue.TryTake(out string? item) ? item : null);

        queue.Add("msgstore.db");

        Assert.Equal("msgstore.db", await taker);
    }

    [Fact]
    public async Task A_wait_on_an_empty_queue_ends_when_it_is_cancelled()
    {
        var queue = new WaitQueue<int>();
        using var cancel = new CancellationTokenSource();
        var taker = Task.Run(() => queue.TryTake(out _, cancel.Token));

        await cancel.CancelAsync();

        await Assert.ThrowsAsync<OperationCanceledException>(() => taker);
    }

    [Fact]
    public async Task Every_waiting_taker_sees_the_end_once_the_queue_is_completed()
    {
        var queue = new WaitQueue<int>();
        var takers = Enumerable.Range(0, 4).Select(_ => Task.Run(() => queue.TryTake(out _))).ToArray();

        queue.Complete();

        Assert.All(await Task.WhenAll(takers), Assert.False);
    }
}
