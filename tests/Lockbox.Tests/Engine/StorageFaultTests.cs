using Lockbox.Repository;
using Lockbox.Restore;
using Lockbox.Storage;
using Lockbox.Tests.Storage;
using Xunit;

namespace Lockbox.Tests.Engine;

/// <summary>
/// Storage that fails, hangs, breaks off writes, answers late or loses objects: transient faults are
/// retried and lose nothing; lasting faults end in a clear failure, and no snapshot ever references a
/// blob that is not stored.
/// </summary>
public sealed class StorageFaultTests(Xunit.Abstractions.ITestOutputHelper log) : IDisposable
{
    // Short backoff and attempt timeout, so a hung call is abandoned quickly; the logic is the production one.
    private static readonly StorageRetryOptions Fast = new()
    {
        BaseDelay = TimeSpan.FromMilliseconds(1),
        MaxDelay = TimeSpan.FromMilliseconds(4),
        AttemptTimeout = TimeSpan.FromMilliseconds(250),
    };

    private readonly RepositoryFixture _fixture = new();

    private void WriteDay(int day)
    {
        _fixture.WriteFile("msgstore.txt", RepositoryFixture.RandomBytes(300_000 + (day * 50_000), 1));
        _fixture.WriteFile($"media/Images/day{day}.jpg", RepositoryFixture.RandomBytes(2 * 1024 * 1024, 100 + day));
        _fixture.WriteFile($"media/Voice/day{day}.opus", RepositoryFixture.RandomBytes(40_000, 200 + day));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public async Task Backup_and_restore_through_errors_hangs_partial_writes_and_slow_reads_lose_nothing(int seed)
    {
        await _fixture.InitAsync();
        var faulty = new FaultInjectingStorage(
            _fixture.Storage, seed, rate: 0.3, StorageFault.Error | StorageFault.Hang | StorageFault.PartialWrite | StorageFault.SlowRead);
        var storage = new RetryingStorage(faulty, Fast);

        var days = new List<(string Snapshot, string Copy)>();
        for (int day = 0; day < 4; day++)
        {
            WriteDay(day);
            var backup = await _fixture.BackupAsync(storage);
            string copy = _fixture.NewFolder($"day{day}");
            IncrementalTests.CopyFolder(_fixture.Source, copy);
            days.Add((backup.SnapshotId, copy));
        }

        int duringBackups = faulty.Injected;
        using (var repository = await Repository.Repository.OpenAsync(storage, _fixture.Key))
        {
            foreach (var (snapshot, copy) in days)
            {
                string target = copy + "-restored";
                await repository.RestoreAsync(new RestoreRequest(snapshot, target));
                FolderAssert.Identical(copy, target);
            }
        }

        Assert.True(duringBackups > 0 && faulty.Injected > duringBackups, "faults were not injected into both backups and restores");
        log.WriteLine($"seed {seed}: {duringBackups} faults injected into 4 backups, {faulty.Injected - duringBackups} into 4 restores");
        var check = await _fixture.CheckAsync(readData: true);
        Assert.True(check.IsHealthy, string.Join("; ", check.Errors));
    }

    [Fact]
    public async Task A_lasting_write_fault_fails_the_backup_clearly_and_no_snapshot_references_an_unstored_blob()
    {
        await _fixture.InitAsync();
        WriteDay(0);
        var first = await _fixture.BackupAsync();
        WriteDay(1);
        var broken = new RetryingStorage(
            new FaultInjectingStorage(_fixture.Storage, 7, rate: 0, StorageFault.None)
            {
                LastingFault = (operation, name) => operation == "write" && name?.Kind == ObjectKind.Pack ? StorageFault.PartialWrite : StorageFault.None,
            },
            Fast);

        var error = await Assert.ThrowsAsync<IOException>(() => _fixture.BackupAsync(broken));

        Assert.Contains("Injected fault", error.Message, StringComparison.Ordinal);
        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            Assert.Equal(first.SnapshotId, Assert.Single(await repository.ListSnapshotsAsync()).Id);
        }

        // The broken-off pack is a leftover at most; every snapshot is whole, and the next backup completes.
        var check = await _fixture.CheckAsync(readData: true);
        Assert.True(check.IsHealthy, string.Join("; ", check.Errors));
        var next = await _fixture.BackupAsync();
        await _fixture.RestoreAsync(_fixture.NewFolder("restored"), next.SnapshotId);
        FolderAssert.Identical(_fixture.Source, _fixture.NewFolder("restored"));
    }

    [Fact]
    public async Task A_storage_that_keeps_hanging_fails_the_backup_after_the_retries_instead_of_waiting_forever()
    {
        await _fixture.InitAsync();
        WriteDay(0);
        var hanging = new RetryingStorage(
            new FaultInjectingStorage(_fixture.Storage, 8, rate: 0, StorageFault.None)
            {
                LastingFault = (operation, _) => operation == "write" ? StorageFault.Hang : StorageFault.None,
            },
            Fast with { MaxRetries = 2 });

        await Assert.ThrowsAsync<Polly.Timeout.TimeoutRejectedException>(() => _fixture.BackupAsync(hanging));

        using var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key);
        Assert.Empty(await repository.ListSnapshotsAsync());
    }

    [Fact]
    public async Task A_pack_reported_missing_fails_restore_as_missing_data_and_writes_nothing()
    {
        await _fixture.InitAsync();
        WriteDay(0);
        var backup = await _fixture.BackupAsync();
        var losing = new RetryingStorage(
            new FaultInjectingStorage(_fixture.Storage, 9, rate: 0, StorageFault.None)
            {
                LastingFault = (operation, name) => operation == "read" && name?.Kind == ObjectKind.Pack ? StorageFault.ReportedMissing : StorageFault.None,
            },
            Fast);
        string target = _fixture.NewFolder("restored");

        using var repository = await Repository.Repository.OpenAsync(losing, _fixture.Key);
        var error = await Assert.ThrowsAsync<MissingDataException>(() => repository.RestoreAsync(new RestoreRequest(backup.SnapshotId, target)));

        Assert.Contains("data/", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target));
    }

    [Theory]
    [InlineData(typeof(IOException), true)]
    [InlineData(typeof(HttpRequestException), true)]
    [InlineData(typeof(Polly.Timeout.TimeoutRejectedException), true)]
    [InlineData(typeof(EndOfStreamException), false)]
    [InlineData(typeof(FileNotFoundException), false)]
    [InlineData(typeof(OperationCanceledException), false)]
    [InlineData(typeof(UnauthorizedAccessException), false)]
    public void Transient_faults_are_told_from_final_ones(Type error, bool transient) =>
        Assert.Equal(transient, RetryingStorage.IsTransient((Exception)Activator.CreateInstance(error)!));

    [Fact]
    public void A_missing_object_and_an_S3_refusal_are_final_and_an_S3_server_error_is_transient()
    {
        var name = new ObjectName(ObjectKind.Pack, new string('a', 64));
        Assert.False(RetryingStorage.IsTransient(new ObjectNotFoundException(name)));
        Assert.False(RetryingStorage.IsTransient(new S3StorageException("denied", new Amazon.S3.AmazonS3Exception("Access Denied") { StatusCode = System.Net.HttpStatusCode.Forbidden })));
        Assert.True(RetryingStorage.IsTransient(new S3StorageException("slow down", new Amazon.S3.AmazonS3Exception("Slow Down") { StatusCode = System.Net.HttpStatusCode.ServiceUnavailable })));
    }

    public void Dispose() => _fixture.Dispose();
}
