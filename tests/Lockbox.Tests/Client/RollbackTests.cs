using Lockbox.Client;
using Lockbox.Device;
using Lockbox.Repository;
using Lockbox.Retention;
using Lockbox.Storage;
using Xunit;

namespace Lockbox.Tests.Client;

/// <summary>
/// The device remembers the newest snapshot it wrote or saw of its own (hostname, source) group and
/// notices a storage that hides it or serves an older state back (docs/FORMAT.md §13).
/// </summary>
public sealed class RollbackTests : IDisposable
{
    private readonly ClientFixture _fixture = new();

    [Fact]
    public async Task Backup_warns_and_takes_no_parent_when_the_newest_snapshot_this_device_wrote_is_hidden()
    {
        var phone = await EnabledPhoneAsync();
        await NextBackupAsync(phone, seed: 3);
        var newest = await NextBackupAsync(phone, seed: 4);
        Assert.Null(newest.RollbackWarning);

        // The provider hides the newest snapshot object.
        File.Delete(SnapshotFile(newest.SnapshotId));
        var hidden = await NextBackupAsync(phone, seed: 5);

        var warning = Assert.IsType<RollbackWarning>(hidden.RollbackWarning);
        Assert.True(warning.ParentWithheld);
        Assert.Equal(SnapshotTime(-1), warning.Expected);
        Assert.Equal(SnapshotTime(-2), warning.Found);
        Assert.Equal("test-phone", warning.Hostname);
        Assert.Contains("hiding the newest backups or serving an older copy", warning.Message, StringComparison.Ordinal);
        var made = await ReadSnapshotAsync(hidden.SnapshotId);
        Assert.Null(made.Snapshot.Parent);
        Assert.DoesNotContain(await DatabaseElementsAsync(made), e => e.Length > 64); // no page delta against the older base

        // The parentless backup is the newest now: the next one is incremental again, and quiet.
        var after = await NextBackupAsync(phone, seed: 6);
        Assert.Null(after.RollbackWarning);
        var incremental = await ReadSnapshotAsync(after.SnapshotId);
        Assert.Equal(hidden.SnapshotId, incremental.Snapshot.Parent);
        Assert.Contains(await DatabaseElementsAsync(incremental), e => e.Length > 64); // with a parent, changed pages are deltas
        await AssertRestoresAsync(phone, "restored");
    }

    [Fact]
    public async Task Snapshots_and_status_warn_when_the_newest_snapshot_this_device_wrote_is_hidden_and_keep_warning_until_the_next_backup()
    {
        var phone = await EnabledPhoneAsync();
        await NextBackupAsync(phone, seed: 3);
        var newest = await NextBackupAsync(phone, seed: 4);
        Assert.Null((await phone.ListSnapshotsAsync()).RollbackWarning);

        File.Delete(SnapshotFile(newest.SnapshotId));

        Assert.Equal(SnapshotTime(0), (await phone.ListSnapshotsAsync()).RollbackWarning?.Expected);
        var status = await phone.GetStatusAsync();
        Assert.NotNull(status.RollbackWarning);
        Assert.False(status.RollbackWarning.ParentWithheld);
        Assert.NotNull((await phone.ListSnapshotsAsync()).RollbackWarning);
    }

    [Fact]
    public async Task A_second_device_backing_up_and_forgetting_with_keep_last_1_causes_no_warning_on_the_first()
    {
        var phone = await EnabledPhoneAsync();
        await NextBackupAsync(phone, seed: 3);
        var phoneNewest = await NextBackupAsync(phone, seed: 4);

        // A tablet restores with the key, backs up its own store twice (newer than the phone's), then forgets.
        string tabletStore = _fixture.Combine("tablet-store");
        var tablet = _fixture.Client(device: "tablet-device", chatStore: tabletStore, hostname: "test-tablet");
        using (var key = _fixture.PhoneKey())
        {
            await tablet.RestoreWithKeyAsync(key, tabletStore);
        }

        _fixture.Clock.Now = _fixture.Clock.Now.AddHours(1);
        await tablet.BackupAsync();
        _fixture.Clock.Now = _fixture.Clock.Now.AddHours(1);
        var tabletNewest = await tablet.BackupAsync();
        using (var key = _fixture.PhoneKey())
        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, key))
        {
            var forgotten = await repository.ForgetAsync(new RetentionPolicy(KeepLast: 1));
            Assert.Equal(3, forgotten.Count); // the phone's two older ones (enable's included) and the tablet's older one
            await repository.PruneAsync(_fixture.Clock);
            Assert.Equal([phoneNewest.SnapshotId, tabletNewest.SnapshotId], (await repository.ListSnapshotsAsync()).Select(s => s.Id));
        }

        Assert.Null((await phone.ListSnapshotsAsync()).RollbackWarning);
        Assert.Null((await phone.GetStatusAsync()).RollbackWarning);
        var next = await NextBackupAsync(phone, seed: 5);
        Assert.Null(next.RollbackWarning);
        Assert.Equal(phoneNewest.SnapshotId, (await ReadSnapshotAsync(next.SnapshotId)).Snapshot.Parent);
        Assert.Null((await tablet.ListSnapshotsAsync()).RollbackWarning);
    }

    [Fact]
    public async Task An_older_copy_of_the_whole_storage_served_back_is_noticed_by_snapshots_restore_and_backup()
    {
        var phone = await EnabledPhoneAsync();
        await NextBackupAsync(phone, seed: 3);
        string older = _fixture.Combine("cloud-older");
        Engine.IncrementalTests.CopyFolder(_fixture.Cloud, older);
        await NextBackupAsync(phone, seed: 4);
        var newest = await NextBackupAsync(phone, seed: 5);

        // The provider serves the older copy of the whole folder back: config, index, packs and snapshots.
        Directory.Delete(_fixture.Cloud, recursive: true);
        Engine.IncrementalTests.CopyFolder(older, _fixture.Cloud);

        var listed = await phone.ListSnapshotsAsync();
        Assert.Equal(SnapshotTime(0), listed.RollbackWarning?.Expected);
        Assert.Equal(listed.Snapshots[^1].Snapshot.Time, listed.RollbackWarning?.Found);
        Assert.DoesNotContain(listed.Snapshots, s => s.Id == newest.SnapshotId);
        using (var key = _fixture.PhoneKey())
        {
            Assert.NotNull((await phone.RestoreWithKeyAsync(key, _fixture.Combine("restored-older"))).RollbackWarning);
        }

        var backup = await NextBackupAsync(phone, seed: 6);
        Assert.True(backup.RollbackWarning?.ParentWithheld);
        Assert.Null((await ReadSnapshotAsync(backup.SnapshotId)).Snapshot.Parent);

        // Blobs the older index does not hold are stored again: the backup is whole.
        Assert.Null((await phone.ListSnapshotsAsync()).RollbackWarning);
        await AssertRestoresAsync(phone, "restored");
        using var current = _fixture.PhoneKey();
        using var repository = await Repository.Repository.OpenAsync(_fixture.Storage, current);
        var check = await repository.CheckAsync(readData: true);
        Assert.True(check.IsHealthy, string.Join("\n", check.Errors));
    }

    [Fact]
    public async Task The_warning_says_that_a_damaged_snapshot_may_be_the_newer_one()
    {
        var phone = await EnabledPhoneAsync();
        await NextBackupAsync(phone, seed: 3);
        var newest = await NextBackupAsync(phone, seed: 4);

        byte[] bytes = File.ReadAllBytes(SnapshotFile(newest.SnapshotId));
        bytes[^1] ^= 0x01;
        File.WriteAllBytes(SnapshotFile(newest.SnapshotId), bytes);

        var warning = (await phone.ListSnapshotsAsync()).RollbackWarning;
        Assert.Equal(1, warning?.DamagedSnapshots);
        Assert.Contains("1 snapshot(s) cannot be read", warning!.Message, StringComparison.Ordinal);
        Assert.Contains("one of them may be the newer one", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_device_with_no_memory_cannot_notice_a_rollback_and_remembers_from_its_first_backup()
    {
        var phone = await EnabledPhoneAsync();
        var newest = await NextBackupAsync(phone, seed: 3);
        File.Delete(SnapshotFile(newest.SnapshotId));

        string store = _fixture.Combine("new-phone-store");
        var newPhone = _fixture.Client(device: "new-phone-device", chatStore: store);
        using (var key = _fixture.PhoneKey())
        {
            Assert.Null((await newPhone.RestoreWithKeyAsync(key, store)).RollbackWarning);
        }

        Assert.Null((await newPhone.BackupAsync()).RollbackWarning);
        var state = new DeviceFolder(_fixture.Combine("new-phone-device")).LoadState();
        var remembered = Assert.Single(state.NewestSnapshots!);
        Assert.Equal(Path.GetFullPath(store), remembered.Source);
        Assert.Equal(_fixture.Clock.Now, remembered.Time);
    }

    [Fact]
    public async Task Forget_by_id_of_the_newest_snapshot_of_a_group_is_refused_unless_forced()
    {
        var phone = await EnabledPhoneAsync();
        var older = await NextBackupAsync(phone, seed: 3);
        var newest = await NextBackupAsync(phone, seed: 4);
        using var key = _fixture.PhoneKey();
        using var repository = await Repository.Repository.OpenAsync(_fixture.Storage, key);

        var refused = await Assert.ThrowsAsync<LockboxException>(() => repository.ForgetAsync([newest.SnapshotId[..8]]));
        Assert.Contains("would warn that the storage may be hiding or rolling back", refused.Message, StringComparison.Ordinal);
        Assert.Contains("--force", refused.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(SnapshotFile(newest.SnapshotId)));

        Assert.Equal([older.SnapshotId], await repository.ForgetAsync([older.SnapshotId]));
        Assert.Equal([newest.SnapshotId], await repository.ForgetAsync([newest.SnapshotId], force: true));
        Assert.NotNull((await phone.ListSnapshotsAsync()).RollbackWarning);
    }

    [Fact]
    public void A_state_file_from_before_the_memory_loads_and_a_state_without_memory_is_written_as_before()
    {
        var device = new DeviceFolder(_fixture.Combine("old-device"));
        Directory.CreateDirectory(device.Path);
        string file = Path.Combine(device.Path, "state.json");
        File.WriteAllText(file, """{"mode": "Key", "pending": null}""");

        var state = device.LoadState();
        Assert.Equal(BackupMode.Key, state.Mode);
        Assert.Null(state.NewestSnapshots);

        device.SaveState(state);
        Assert.DoesNotContain("newestSnapshots", File.ReadAllText(file), StringComparison.Ordinal);

        var time = new DateTimeOffset(2026, 11, 2, 9, 0, 0, 123, TimeSpan.Zero).AddTicks(4567);
        device.SaveState(state with { NewestSnapshots = [new NewestSnapshot(new string('a', 64), "h", "/s", time, new string('b', 64))] });
        var entry = Assert.Single(device.LoadState().NewestSnapshots!);
        Assert.Equal(time, entry.Time);
        Assert.Contains("\"newestSnapshots\"", File.ReadAllText(file), StringComparison.Ordinal);
    }

    private async Task<LockboxClient> EnabledPhoneAsync()
    {
        await _fixture.GenerateAsync();
        var phone = _fixture.Client();
        await phone.EnableWithKeyAsync(ClientFixture.TypeBack);
        return phone;
    }

    private async Task<LockboxBackupResult> NextBackupAsync(LockboxClient client, int seed)
    {
        await _fixture.NextDayAsync(seed);
        return await client.BackupAsync();
    }

    /// <summary>The time of the backup <paramref name="daysAgo"/> days before the clock (backups are made one a day).</summary>
    private DateTimeOffset SnapshotTime(int daysAgo) => _fixture.Clock.Now.AddDays(daysAgo);

    private string SnapshotFile(string id) => Path.Combine(_fixture.Cloud, "snapshots", id);

    private async Task<SnapshotInfo> ReadSnapshotAsync(string id)
    {
        using var key = _fixture.PhoneKey();
        using var repository = await Repository.Repository.OpenAsync(_fixture.Storage, key);
        return await repository.FindSnapshotAsync(id);
    }

    private async Task<List<string>> DatabaseElementsAsync(SnapshotInfo snapshot)
    {
        using var key = _fixture.PhoneKey();
        using var repository = await Repository.Repository.OpenAsync(_fixture.Storage, key);
        using var codec = new BlobCodec(repository.Keys);
        var entries = await repository.ReadManifestAsync(snapshot.Snapshot, codec, CancellationToken.None);
        var databases = entries.Where(e => e.IsSqliteDatabase).ToList();
        Assert.NotEmpty(databases);
        return [.. databases.SelectMany(e => e.Content ?? [])];
    }

    private async Task AssertRestoresAsync(LockboxClient client, string folder)
    {
        string target = _fixture.Combine(folder);
        using var key = _fixture.PhoneKey();
        await client.RestoreWithKeyAsync(key, target);
        Assert.Equal(ClientFixture.Digest(_fixture.Phone), ClientFixture.Digest(target));
    }

    public void Dispose() => _fixture.Dispose();
}
