using Lockbox.Repository;
using Lockbox.Retention;
using Xunit;

namespace Lockbox.Tests.Engine;

public sealed class RetentionTests : IDisposable
{
    private readonly RepositoryFixture _fixture = new();

    [Fact]
    public async Task Forget_keep_last_then_prune_frees_space_and_the_kept_snapshot_restores()
    {
        await _fixture.InitAsync();
        for (int day = 0; day < 3; day++)
        {
            _fixture.WriteFile("media/Video/today.mp4", RepositoryFixture.RandomBytes(5 * 1024 * 1024, day));
            await _fixture.BackupAsync();
        }

        long before = RepositorySize();
        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            var forgotten = await repository.ForgetAsync(new RetentionPolicy(KeepLast: 1));
            Assert.Equal(2, forgotten.Count);
            long forgottenSize = RepositorySize();
            var pruned = await repository.PruneAsync();
            Assert.True(pruned.BytesFreed > 8 * 1024 * 1024, $"freed {pruned.BytesFreed}");
            Assert.Equal(forgottenSize - RepositorySize(), pruned.BytesFreed);
        }

        Assert.True(RepositorySize() < before - 8 * 1024 * 1024);
        string target = _fixture.NewFolder("restored");
        await _fixture.RestoreAsync(target);
        FolderAssert.Identical(_fixture.Source, target);
        var check = await _fixture.CheckAsync(readData: true);
        Assert.True(check.IsHealthy, string.Join("\n", check.Errors));
    }

    [Fact]
    public async Task Prune_repacks_partly_used_packs_and_keeps_every_remaining_snapshot_whole()
    {
        await _fixture.InitAsync();
        _fixture.WriteFile("keep.bin", RepositoryFixture.RandomBytes(2 * 1024 * 1024, 1));
        _fixture.WriteFile("drop.bin", RepositoryFixture.RandomBytes(6 * 1024 * 1024, 2));
        await _fixture.BackupAsync();
        File.Delete(Path.Combine(_fixture.Source, "drop.bin"));
        await _fixture.BackupAsync();

        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            await repository.ForgetAsync(new RetentionPolicy(KeepLast: 1));
            long before = RepositorySize();
            var pruned = await repository.PruneAsync();
            Assert.Equal(1, pruned.PacksRepacked);

            // What prune says it freed is what the repository shrank by, repacking included.
            Assert.Equal(before - RepositorySize(), pruned.BytesFreed);
        }

        string target = _fixture.NewFolder("restored");
        await _fixture.RestoreAsync(target);
        FolderAssert.Identical(_fixture.Source, target);
        Assert.True((await _fixture.CheckAsync(readData: true)).IsHealthy);
    }

    [Fact]
    public async Task Forget_with_an_empty_policy_is_refused()
    {
        await _fixture.InitAsync();
        using var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key);
        await Assert.ThrowsAsync<LockboxException>(() => repository.ForgetAsync(new RetentionPolicy()));
    }

    [Fact]
    public void Keep_daily_keeps_the_newest_snapshot_of_each_of_the_last_days()
    {
        var start = new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.Zero);
        var snapshots = Enumerable.Range(0, 10).Select(i => Info($"{i:D2}", start.AddHours(i * 10))).ToList();
        var (keep, forget) = new RetentionPolicy(KeepDaily: 2).Apply(snapshots);

        // Hours 0..90 from Nov 1 08:00 end on Nov 5 02:00 (#9); Nov 4 ends with #8 at 16:00.
        Assert.Equal(["09", "08"], keep.Select(s => s.Id));
        Assert.Equal(8, forget.Count);
    }

    [Fact]
    public void Keep_last_applies_to_each_host_and_source_on_its_own_so_every_device_keeps_its_newest_snapshot()
    {
        var start = new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.Zero);
        var snapshots = new List<SnapshotInfo>
        {
            Info("phone-1", start, "phone"),
            Info("phone-2", start.AddHours(1), "phone"),
            Info("tablet-1", start.AddHours(2), "tablet"),
            Info("tablet-2", start.AddHours(3), "tablet"),
            Info("phone-other-store", start.AddMinutes(30), "phone", "/other"),
        };

        var (keep, forget) = new RetentionPolicy(KeepLast: 1).Apply(snapshots);
        Assert.Equal(["tablet-2", "phone-2", "phone-other-store"], keep.Select(s => s.Id));
        Assert.Equal(["tablet-1", "phone-1"], forget.Select(s => s.Id));

        var (daily, _) = new RetentionPolicy(KeepDaily: 1).Apply(snapshots);
        Assert.Equal(["tablet-2", "phone-2", "phone-other-store"], daily.Select(s => s.Id));
    }

    [Fact]
    public async Task Prune_refuses_to_run_while_a_backup_holds_the_repository()
    {
        await _fixture.InitAsync();
        using var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key);
        await using var backupLock = await RepositoryLock.AcquireAsync(repository, exclusive: false, TimeProvider.System, CancellationToken.None);
        _fixture.WriteFile("a.txt", "x"u8.ToArray());
        var error = await Assert.ThrowsAsync<LockboxException>(() => repository.PruneAsync());
        Assert.Contains("in use", error.Message, StringComparison.Ordinal);
    }

    private static SnapshotInfo Info(string id, DateTimeOffset time, string hostname = "h", string source = "/s") => new(id, new Snapshot
    {
        Time = time,
        Hostname = hostname,
        Source = source,
        Manifest = [],
        Summary = new BackupSummary(),
    });

    private long RepositorySize() =>
        Directory.EnumerateFiles(_fixture.RepositoryPath, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    public void Dispose() => _fixture.Dispose();
}
