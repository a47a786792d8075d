using Lockbox.Repository;
using Lockbox.StoreGen;
using Xunit;

namespace Lockbox.Tests.Engine;

/// <summary>The message database is stored page by page, changed pages as deltas against a base copy.</summary>
public sealed class DatabasePageTests : IDisposable
{
    private readonly RepositoryFixture _fixture = new();

    private string Database => ChatStoreGenerator.DatabasePath(_fixture.Source);

    [Fact]
    public async Task Next_day_stores_changed_pages_as_small_deltas_and_every_day_restores_exactly()
    {
        Directory.Delete(_fixture.Source);
        await ChatStoreGenerator.GenerateAsync(_fixture.Source, new GenerateOptions { Messages = 20_000, MediaBytes = 0, Chats = 50 });
        await _fixture.InitAsync();
        var day0 = await _fixture.BackupAsync();
        string day0Dump = DatabaseContent.Digest(Database);

        await ChatStoreGenerator.GrowAsync(_fixture.Source, new GrowOptions { MediaBytes = 0 });
        var day1 = await _fixture.BackupAsync();
        string day1Dump = DatabaseContent.Digest(Database);

        long databaseBytes = new FileInfo(Database).Length;
        Assert.True(day1.Summary.NewBytes < databaseBytes / 10, $"day 1 stored {day1.Summary.NewBytes} new bytes for a {databaseBytes}-byte database");

        foreach (var (snapshot, dump) in new[] { (day0.SnapshotId, day0Dump), (day1.SnapshotId, day1Dump) })
        {
            string target = _fixture.NewFolder("restored-" + snapshot[..8]);
            await _fixture.RestoreAsync(target, snapshot);
            Assert.Equal(dump, DatabaseContent.Digest(ChatStoreGenerator.DatabasePath(target)));
        }

        // With no memory for deltas every one goes through the spill file, and the day still restores exactly.
        string spilled = _fixture.NewFolder("restored-spilling");
        await _fixture.RestoreSpillingAsync(spilled, day1.SnapshotId);
        Assert.Equal(day1Dump, DatabaseContent.Digest(ChatStoreGenerator.DatabasePath(spilled)));
        Assert.Empty(Directory.GetFiles(spilled, ".lockbox-deltas*"));

        Assert.True((await _fixture.CheckAsync(readData: true)).IsHealthy);

        // The base copy in the device cache is the user's chat history: readable by the user alone.
        string baseCopy = Assert.Single(Directory.GetFiles(_fixture.CacheFolder, "*.base", SearchOption.AllDirectories));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(baseCopy));
        }
    }

    [Fact]
    public async Task Without_the_device_cache_the_next_backup_stores_whole_pages_and_still_restores()
    {
        Directory.Delete(_fixture.Source);
        await ChatStoreGenerator.GenerateAsync(_fixture.Source, new GenerateOptions { Messages = 5_000, MediaBytes = 0, Chats = 20 });
        await _fixture.InitAsync();
        await _fixture.BackupAsync();
        Directory.Delete(_fixture.CacheFolder, recursive: true);
        await ChatStoreGenerator.GrowAsync(_fixture.Source, new GrowOptions { MediaBytes = 0 });
        await _fixture.BackupAsync();

        string target = _fixture.NewFolder("restored");
        await _fixture.RestoreAsync(target);
        Assert.Equal(DatabaseContent.Digest(Database), DatabaseContent.Digest(ChatStoreGenerator.DatabasePath(target)));
    }

    [Fact]
    public async Task Prune_keeps_the_base_pages_that_deltas_need()
    {
        Directory.Delete(_fixture.Source);
        await ChatStoreGenerator.GenerateAsync(_fixture.Source, new GenerateOptions { Messages = 5_000, MediaBytes = 0, Chats = 20 });
        await _fixture.InitAsync();
        await _fixture.BackupAsync();
        for (int day = 0; day < 2; day++)
        {
            await ChatStoreGenerator.GrowAsync(_fixture.Source, new GrowOptions { Seed = 10 + day, MediaBytes = 0 });
            await _fixture.BackupAsync();
        }

        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            await repository.ForgetAsync(new Lockbox.Retention.RetentionPolicy(KeepLast: 1));
            await repository.PruneAsync();
        }

        Assert.True((await _fixture.CheckAsync(readData: true)).IsHealthy);
        string target = _fixture.NewFolder("restored");
        await _fixture.RestoreAsync(target);
        Assert.Equal(DatabaseContent.Digest(Database), DatabaseContent.Digest(ChatStoreGenerator.DatabasePath(target)));
    }

    public void Dispose() => _fixture.Dispose();
}
