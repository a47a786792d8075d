using Lockbox.Repository;
using Lockbox.Restore;
using Lockbox.Storage;
using Xunit;

namespace Lockbox.Tests.Engine;

/// <summary>Restore and check hold shared locks, so prune and repair never delete a pack under them (FORMAT.md §9).</summary>
public sealed class ReaderLockTests : IDisposable
{
    private readonly RepositoryFixture _fixture = new();

    /// <summary>Storage whose first pack read waits until released, holding a reader mid-way; lock writes can be refused.</summary>
    private sealed class GatedStorage(IStorage inner) : IStorage
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Gate { get; init; } = true;

        public bool ReadOnlyLocks { get; init; }

        public string Location => inner.Location;

        public IStorage Child(string name) => throw new NotSupportedException();

        public Task WriteAsync(ObjectName name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
            ReadOnlyLocks && name.Kind == ObjectKind.Lock
                ? throw new UnauthorizedAccessException($"Access to {name.Path} is denied.")
                : inner.WriteAsync(name, data, cancellationToken);

        public Task<byte[]> ReadAsync(ObjectName name, CancellationToken cancellationToken = default) => inner.ReadAsync(name, cancellationToken);

        public async Task ReadRangeAsync(ObjectName name, long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
        {
            if (Gate && name.Kind == ObjectKind.Pack && offset >= 0 && Reached.TrySetResult())
            {
                await Release.Task.WaitAsync(cancellationToken);
            }

            await inner.ReadRangeAsync(name, offset, destination, cancellationToken);
        }

        public IAsyncEnumerable<StoredObject> ListAsync(ObjectKind kind, CancellationToken cancellationToken = default) => inner.ListAsync(kind, cancellationToken);

        public Task<bool> ExistsAsync(ObjectName name, CancellationToken cancellationToken = default) => inner.ExistsAsync(name, cancellationToken);

        public Task DeleteAsync(ObjectName name, CancellationToken cancellationToken = default) => inner.DeleteAsync(name, cancellationToken);
    }

    private async Task BackUpTwoSnapshotsAsync()
    {
        await _fixture.InitAsync();
        _fixture.WriteFile("chat.txt", RepositoryFixture.RandomBytes(200_000, 1));
        await _fixture.BackupAsync();
        _fixture.WriteFile("chat.txt", RepositoryFixture.RandomBytes(200_000, 2));
        await _fixture.BackupAsync();
    }

    [Fact]
    public async Task Prune_refuses_while_a_restore_holds_its_shared_lock()
    {
        await BackUpTwoSnapshotsAsync();
        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            await repository.ForgetAsync([(await repository.ReadSnapshotsAsync()).Intact[0].Id]);
        }

        var gated = new GatedStorage(_fixture.Storage);
        using var reader = await Repository.Repository.OpenAsync(gated, _fixture.Key);
        string target = _fixture.NewFolder("restored");
        var restore = reader.RestoreAsync(new RestoreRequest("latest", target));
        await gated.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30));

        using (var pruner = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            var error = await Assert.ThrowsAsync<LockboxException>(() => pruner.PruneAsync());
            Assert.Contains("in use (shared lock", error.Message, StringComparison.Ordinal);
            var repair = await Assert.ThrowsAsync<LockboxException>(() => pruner.RepairIndexAsync());
            Assert.Contains("in use", repair.Message, StringComparison.Ordinal);
        }

        gated.Release.SetResult();
        await restore;
        FolderAssert.Identical(_fixture.Source, target);

        // The restore released its lock: prune runs now.
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_fixture.RepositoryPath, "locks")));
        using var after = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key);
        Assert.True((await after.PruneAsync()).PacksDeleted > 0);
    }

    [Fact]
    public async Task Prune_refuses_while_a_check_holds_its_shared_lock()
    {
        await BackUpTwoSnapshotsAsync();
        var gated = new GatedStorage(_fixture.Storage);
        using var reader = await Repository.Repository.OpenAsync(gated, _fixture.Key);
        var check = reader.CheckAsync(readData: true);
        await gated.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30));

        using (var pruner = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            var error = await Assert.ThrowsAsync<LockboxException>(() => pruner.PruneAsync());
            Assert.Contains("in use", error.Message, StringComparison.Ordinal);
        }

        gated.Release.SetResult();
        Assert.True((await check).IsHealthy);
    }

    [Fact]
    public async Task A_restore_on_a_read_only_credential_reads_without_a_lock()
    {
        await BackUpTwoSnapshotsAsync();
        var readOnly = new GatedStorage(_fixture.Storage) { Gate = false, ReadOnlyLocks = true };
        using var reader = await Repository.Repository.OpenAsync(readOnly, _fixture.Key);
        string target = _fixture.NewFolder("restored");
        await reader.RestoreAsync(new RestoreRequest("latest", target));
        FolderAssert.Identical(_fixture.Source, target);

        var check = await reader.CheckAsync(readData: false);
        Assert.True(check.IsHealthy);
        Assert.Contains(check.Warnings, w => w.Contains("cannot write a lock", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_restore_waits_for_no_one_but_refuses_beside_an_exclusive_lock()
    {
        await BackUpTwoSnapshotsAsync();
        using var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key);
        await using (await RepositoryLock.AcquireAsync(repository, exclusive: true, TimeProvider.System, CancellationToken.None))
        {
            var error = await Assert.ThrowsAsync<LockboxException>(() => repository.RestoreAsync(new RestoreRequest("latest", _fixture.NewFolder("r"))));
            Assert.Contains("in use (exclusive lock", error.Message, StringComparison.Ordinal);
        }

        // Beside another reader's or a backup's shared lock, a restore runs.
        await using (await RepositoryLock.AcquireAsync(repository, exclusive: false, TimeProvider.System, CancellationToken.None))
        {
            string target = _fixture.NewFolder("restored");
            await repository.RestoreAsync(new RestoreRequest("latest", target));
            FolderAssert.Identical(_fixture.Source, target);
        }
    }

    public void Dispose() => _fixture.Dispose();
}
