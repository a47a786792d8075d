using Lockbox.Client;
using Lockbox.Device;
using Lockbox.Standard;
using Lockbox.Storage;
using Xunit;

namespace Lockbox.Tests.Client;

/// <summary>Disable: back to standard backups, with every encrypted snapshot exported first.</summary>
public sealed class SwitchOffTests : IDisposable
{
    private readonly ClientFixture _fixture = new();

    /// <summary>Key mode with two encrypted snapshots; returns their digests.</summary>
    private async Task<List<string>> TwoEncryptedSnapshotsAsync()
    {
        await _fixture.GenerateAsync();
        await _fixture.Client().EnableWithKeyAsync(ClientFixture.TypeBack);
        var digests = new List<string> { ClientFixture.Digest(_fixture.Phone) };
        await _fixture.NextDayAsync(seed: 5);
        await _fixture.Client().BackupAsync();
        digests.Add(ClientFixture.Digest(_fixture.Phone));
        return digests;
    }

    private async Task AssertBackToStandardAsync(List<string> digests)
    {
        Assert.False(await _fixture.Storage.ExistsAsync(ObjectName.Config));
        foreach (var kind in new[] { ObjectKind.Pack, ObjectKind.Index, ObjectKind.Snapshot, ObjectKind.Lock })
        {
            Assert.Empty(await Lockbox.Client.RepositoryObjects.ListAsync(_fixture.Storage, kind, CancellationToken.None));
        }

        var device = _fixture.PhoneDevice;
        Assert.Null(device.LoadKey());
        Assert.Equal(new DeviceState(), device.LoadState());

        var standard = await new StandardBackups(_fixture.Storage).ListAsync();
        Assert.Equal(digests.Count, standard.Count);
        for (int i = 0; i < digests.Count; i++)
        {
            string target = _fixture.Combine($"standard-{i}");
            await new StandardBackups(_fixture.Storage).RestoreAsync(standard[i], target);
            Assert.Equal(digests[i], ClientFixture.Digest(target));
        }

        Assert.Equal(BackupMode.Standard, (await _fixture.Client().BackupAsync()).Mode);
    }

    [Fact]
    public async Task Disable_exports_every_snapshot_then_deletes_the_encrypted_repository_and_the_device_key()
    {
        var digests = await TwoEncryptedSnapshotsAsync();

        await _fixture.Client().DisableAsync();

        await AssertBackToStandardAsync(digests);
    }

    [Theory]
    [InlineData(LockboxStep.ExportingSnapshots, 1)]
    [InlineData(LockboxStep.ExportingSnapshots, 2)]
    [InlineData(LockboxStep.DeletingEncrypted, 1)]
    public async Task Disable_interrupted_at_each_step_keeps_the_encrypted_repository_until_exported_and_a_rerun_completes(LockboxStep step, int occurrence)
    {
        var digests = await TwoEncryptedSnapshotsAsync();
        using var cut = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _fixture.Client().DisableAsync(new InterruptAt(step, cut, occurrence), cut.Token));

        using (var key = _fixture.PhoneKey())
        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, key))
        {
            Assert.Equal(2, (await repository.ListSnapshotsAsync()).Count);
        }

        await Assert.ThrowsAsync<OperationPendingException>(() => _fixture.Client().BackupAsync());
        await _fixture.Client().DisableAsync();

        await AssertBackToStandardAsync(digests);
    }

    [Fact]
    public async Task Disable_killed_while_erasing_the_key_is_finished_by_a_rerun_and_leaves_no_copy_of_it()
    {
        var digests = await TwoEncryptedSnapshotsAsync();
        using var cut = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _fixture.Client().DisableAsync(new InterruptAt(LockboxStep.ForgettingKey, cut), cut.Token));

        // As a kill half way through the erasure leaves it: renamed aside, partly overwritten.
        string folder = _fixture.Combine("phone-device");
        string aside = Path.Combine(folder, ".backup-key.0123456789abcdef.tmp");
        File.Move(Path.Combine(folder, "backup-key"), aside);
        byte[] bytes = File.ReadAllBytes(aside);
        Array.Clear(bytes, 0, 20);
        File.WriteAllBytes(aside, bytes);

        await _fixture.Client().DisableAsync();

        Assert.Empty(Directory.GetFiles(folder, "*key*"));
        await AssertBackToStandardAsync(digests);
    }

    [Theory]
    [InlineData(LockboxStep.CreatingRepository)]
    [InlineData(LockboxStep.Verifying)]
    [InlineData(LockboxStep.DeletingUnencrypted)]
    public async Task Disable_undoes_an_unfinished_enable_and_keeps_each_standard_snapshot_once(LockboxStep step)
    {
        await _fixture.GenerateAsync();
        var digests = new List<string>();
        for (int day = 0; day < 2; day++)
        {
            await _fixture.Client().BackupAsync();
            digests.Add(ClientFixture.Digest(_fixture.Phone));
            await _fixture.NextDayAsync(seed: 40 + day);
        }

        using var cut = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _fixture.Client().EnableWithKeyAsync(ClientFixture.TypeBack, new InterruptAt(step, cut), cut.Token));
        var pending = await Assert.ThrowsAsync<OperationPendingException>(() => _fixture.Client().BackupAsync());
        Assert.Contains("`disable` to go back", pending.Message, StringComparison.Ordinal);

        await _fixture.Client().DisableAsync();

        // The snapshot enable took of the store exported too, when it got that far.
        var standard = await new StandardBackups(_fixture.Storage).ListAsync();
        Assert.Equal(step >= LockboxStep.Verifying ? 3 : 2, standard.Count);
        await AssertBackToStandardAsync(step >= LockboxStep.Verifying ? [.. digests, ClientFixture.Digest(_fixture.Phone)] : digests);
    }

    public void Dispose() => _fixture.Dispose();
}
