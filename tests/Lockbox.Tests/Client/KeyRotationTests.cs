using Lockbox.Client;
using Lockbox.Device;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Restore;
using Lockbox.Storage;
using Xunit;

namespace Lockbox.Tests.Client;

/// <summary>Key rotation: every snapshot re-encrypted under a new key; the old key opens nothing (docs/FORMAT.md §17).</summary>
public sealed class KeyRotationTests : IDisposable
{
    private readonly ClientFixture _fixture = new();

    private DeviceFolder Device => _fixture.PhoneDevice;

    private async Task<(string OldKey, List<(DateTimeOffset Time, string Digest)> Snapshots)> TwoSnapshotsAsync()
    {
        await _fixture.GenerateAsync();
        await _fixture.Client().EnableWithKeyAsync(ClientFixture.TypeBack);
        var snapshots = new List<(DateTimeOffset, string)> { (_fixture.Clock.Now, ClientFixture.Digest(_fixture.Phone)) };
        await _fixture.NextDayAsync(seed: 7);
        await _fixture.Client().BackupAsync();
        snapshots.Add((_fixture.Clock.Now, ClientFixture.Digest(_fixture.Phone)));
        using var key = Device.LoadKey()!;
        return (key.ToDisplayString(), snapshots);
    }

    private async Task AssertRotatedAsync(string oldKey, List<(DateTimeOffset Time, string Digest)> expected)
    {
        using (var old = BackupKey.Parse(oldKey))
        {
            await Assert.ThrowsAsync<WrongKeyException>(() => Repository.Repository.OpenAsync(_fixture.Storage, old));
        }

        using var key = Device.LoadKey()!;
        Assert.NotEqual(oldKey, key.ToDisplayString());
        Assert.Null(Device.LoadNextKey());
        Assert.Equal(new DeviceState { Mode = BackupMode.Key }, Device.LoadState());
        using var repository = await Repository.Repository.OpenAsync(_fixture.Storage, key);
        Assert.True((await repository.CheckAsync(readData: true)).IsHealthy);
        var snapshots = await repository.ListSnapshotsAsync();
        Assert.Equal(expected.Select(e => e.Time), snapshots.Select(s => s.Snapshot.Time));
        for (int i = 0; i < snapshots.Count; i++)
        {
            string target = _fixture.Combine($"restore-{i}-{Guid.NewGuid():N}");
            await repository.RestoreAsync(new RestoreRequest(snapshots[i].Id, target));
            Assert.Equal(expected[i].Digest, ClientFixture.Digest(target));
        }

        var child = _fixture.Storage.Child(StorageChildren.Rotation);
        Assert.False(await child.ExistsAsync(ObjectName.Config));
        Assert.Empty(await RepositoryObjects.ListAsync(child, ObjectKind.Pack, CancellationToken.None));

        // The old repository's base copies (plaintext) are gone; only the current one's remain.
        string cache = Path.Combine(_fixture.Combine("phone-device"), "cache");
        Assert.True(Directory.GetDirectories(cache).Length <= 1);

        // Backups carry on under the new key.
        await _fixture.NextDayAsync(seed: 8);
        await _fixture.Client().BackupAsync();
    }

    [Fact]
    public async Task Rotate_re_encrypts_every_snapshot_and_afterwards_the_old_key_opens_nothing()
    {
        var (oldKey, snapshots) = await TwoSnapshotsAsync();
        string? shown = null;

        await _fixture.Client().RotateKeyAsync(null, (key, token) =>
        {
            shown = key.ToDisplayString();
            return ClientFixture.TypeBack(key, token);
        });

        await AssertRotatedAsync(oldKey, snapshots);
        using var current = Device.LoadKey()!;
        Assert.Equal(shown, current.ToDisplayString());
        // No object written under the old key survives.
        foreach (string file in Directory.EnumerateFiles(_fixture.Cloud, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain("rotation", Path.GetRelativePath(_fixture.Cloud, file), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Rotate_with_a_mistyped_new_key_keeps_the_old_repository_and_key()
    {
        var (oldKey, _) = await TwoSnapshotsAsync();

        await Assert.ThrowsAsync<KeyNotConfirmedException>(() => _fixture.Client().RotateKeyAsync(null, (_, _) => ValueTask.FromResult("not the key")));

        using var key = BackupKey.Parse(oldKey);
        using var repository = await Repository.Repository.OpenAsync(_fixture.Storage, key);
        Assert.Equal(2, (await repository.ListSnapshotsAsync()).Count);
    }

    public static TheoryData<LockboxStep> RotationSteps() =>
    [
        LockboxStep.PreparingKey, LockboxStep.CopyingSnapshots, LockboxStep.Verifying, LockboxStep.ConfirmingKey,
        LockboxStep.DeletingEncrypted, LockboxStep.MovingRepository,
    ];

    [Theory]
    [MemberData(nameof(RotationSteps))]
    public async Task Rotate_interrupted_at_each_step_is_finished_by_a_rerun_with_nothing_lost(LockboxStep step)
    {
        var (oldKey, snapshots) = await TwoSnapshotsAsync();
        using var cut = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            _fixture.Client().RotateKeyAsync(null, ClientFixture.TypeBack, new InterruptAt(step, cut), cut.Token));

        // Until the old repository is deleted, the old key still opens every snapshot.
        if (step <= LockboxStep.DeletingEncrypted)
        {
            using var old = BackupKey.Parse(oldKey);
            using var repository = await Repository.Repository.OpenAsync(_fixture.Storage, old);
            Assert.Equal(2, (await repository.ListSnapshotsAsync()).Count);
        }

        if (step != LockboxStep.PreparingKey)
        {
            await Assert.ThrowsAsync<OperationPendingException>(() => _fixture.Client().BackupAsync());
        }
        await _fixture.Client().RotateKeyAsync(null, ClientFixture.TypeBack);

        await AssertRotatedAsync(oldKey, snapshots);
    }

    public void Dispose() => _fixture.Dispose();
}
