using Lockbox.Storage;
using Xunit;

namespace Lockbox.Tests.Engine;

public sealed class InterruptionTests : IDisposable
{
    private readonly RepositoryFixture _fixture = new();

    /// <summary>Real local storage that cuts the backup off after a number of pack uploads.</summary>
    private sealed class CutOffAfterPacks(IStorage inner, int packs, CancellationTokenSource cut) : IStorage
    {
        private int _packs;

        public string Location => inner.Location;

        public IStorage Child(string name) => throw new NotSupportedException();

        public async Task WriteAsync(ObjectName name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(name, data, cancellationToken);
            if (name.Kind == ObjectKind.Pack && Interlocked.Increment(ref _packs) == packs)
            {
                await cut.CancelAsync();
            }
        }

        public Task<byte[]> ReadAsync(ObjectName name, CancellationToken cancellationToken = default) => inner.ReadAsync(name, cancellationToken);

        public Task ReadRangeAsync(ObjectName name, long offset, Memory<byte> destination, CancellationToken cancellationToken = default) =>
            inner.ReadRangeAsync(name, offset, destination, cancellationToken);

        public IAsyncEnumerable<StoredObject> ListAsync(ObjectKind kind, CancellationToken cancellationToken = default) => inner.ListAsync(kind, cancellationToken);

        public Task<bool> ExistsAsync(ObjectName name, CancellationToken cancellationToken = default) => inner.ExistsAsync(name, cancellationToken);

        public Task DeleteAsync(ObjectName name, CancellationToken cancellationToken = default) => inner.DeleteAsync(name, cancellationToken);
    }

    [Fact]
    public async Task Interrupted_backup_keeps_earlier_snapshots_and_the_next_backup_reuses_its_uploads()
    {
        _fixture.WriteFile("chat.txt", "day one"u8.ToArray());
        await _fixture.InitAsync();
        var first = await _fixture.BackupAsync();
        string firstCopy = _fixture.NewFolder("first");
        IncrementalTests.CopyFolder(_fixture.Source, firstCopy);

        for (int i = 0; i < 4; i++)
        {
            _fixture.WriteFile($"media/Video/{i}.mp4", RepositoryFixture.RandomBytes(12 * 1024 * 1024, 10 + i));
        }

        using var cut = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _fixture.BackupAsync(new CutOffAfterPacks(_fixture.Storage, 2, cut), cut.Token));

        // The earlier snapshot is the only one and restores intact.
        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            Assert.Equal(first.SnapshotId, Assert.Single(await repository.ListSnapshotsAsync()).Id);
        }

        string restored = _fixture.NewFolder("restored-first");
        await _fixture.RestoreAsync(restored, first.SnapshotId);
        FolderAssert.Identical(firstCopy, restored);

        // Running again completes the backup without uploading the two packs again.
        var resumed = await _fixture.BackupAsync();
        Assert.True(resumed.Summary.NewBytes <= 48L * 1024 * 1024 - 2 * 16 * 1024 * 1024 + 4 * 1024 * 1024, $"re-stored {resumed.Summary.NewBytes} bytes");
        string latest = _fixture.NewFolder("latest");
        await _fixture.RestoreAsync(latest);
        FolderAssert.Identical(_fixture.Source, latest);
        Assert.True((await _fixture.CheckAsync(readData: true)).IsHealthy);
    }

    public void Dispose() => _fixture.Dispose();
}
