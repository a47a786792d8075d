using Lockbox.Client;
using Lockbox.Device;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Restore;
using Lockbox.Standard;
using Lockbox.Storage;
using Xunit;

namespace Lockbox.Tests.Client;

/// <summary>Switching on end-to-end encryption from standard backups (docs/FORMAT.md §16).</summary>
public sealed class SwitchOnTests : IDisposable
{
    private readonly ClientFixture _fixture = new();

    /// <summary>Two days of standard backups: returns each day's content digest, oldest first.</summary>
    private async Task<List<string>> TwoStandardBackupsAsync()
    {
        await _fixture.GenerateAsync();
        var phone = _fixture.Client();
        var digests = new List<string>();
        for (int day = 0; day < 2; day++)
        {
            if (day > 0)
            {
                await _fixture.NextDayAsync(seed: 10 + day);
            }

            Assert.Equal(BackupMode.Standard, (await phone.BackupAsync()).Mode);
            digests.Add(ClientFixture.Digest(_fixture.Phone));
        }

        await _fixture.NextDayAsync(seed: 20);
        return digests;
    }

    /// <summary>After a switch: no unencrypted object is left, and these are the snapshots the phone's key opens.</summary>
    private async Task<IReadOnlyList<SnapshotInfo>> EncryptedSnapshotsAsync(BackupKey key)
    {
        Assert.Equal(0, await _fixture.UnencryptedObjectsAsync());
        using var repository = await Repository.Repository.OpenAsync(_fixture.Storage, key);
        return await repository.ListSnapshotsAsync();
    }

    private async Task<string> RestoreDigestAsync(BackupKey key, SnapshotInfo snapshot)
    {
        string target = _fixture.Combine("restore-" + snapshot.ShortId);
        using var repository = await Repository.Repository.OpenAsync(_fixture.Storage, key);
        await repository.RestoreAsync(new RestoreRequest(snapshot.Id, target));
        return ClientFixture.Digest(target);
    }

    [Fact]
    public async Task Enable_key_imports_every_standard_snapshot_verifies_then_leaves_no_unencrypted_object()
    {
        var days = await TwoStandardBackupsAsync();
        string today = ClientFixture.Digest(_fixture.Phone);
        var steps = new InterruptAt(LockboxStep.Done, new CancellationTokenSource());

        await _fixture.Client().EnableWithKeyAsync(ClientFixture.TypeBack, steps);

        // Deletion only after the import and the full verification, and confirmed by a listing.
        Assert.True(steps.Steps.IndexOf(LockboxStep.Verifying) < steps.Steps.IndexOf(LockboxStep.DeletingUnencrypted));
        Assert.True(steps.Steps.IndexOf(LockboxStep.ImportingSnapshots) < steps.Steps.IndexOf(LockboxStep.Verifying));
        Assert.True(steps.Steps.IndexOf(LockboxStep.DeletingUnencrypted) < steps.Steps.IndexOf(LockboxStep.ConfirmingDeletion));

        using var key = _fixture.PhoneKey();
        var snapshots = await EncryptedSnapshotsAsync(key);
        Assert.Equal(3, snapshots.Count);
        Assert.Equal(days[0], await RestoreDigestAsync(key, snapshots[0]));
        Assert.Equal(days[1], await RestoreDigestAsync(key, snapshots[1]));
        Assert.Equal(today, await RestoreDigestAsync(key, snapshots[2]));
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero), snapshots[0].Snapshot.Time);
        Assert.Equal(BackupMode.Key, _fixture.PhoneDevice.LoadState().Mode);
    }

    public static TheoryData<LockboxStep> EnableSteps() =>
    [
        LockboxStep.PreparingKey, LockboxStep.CreatingRepository, LockboxStep.ConfirmingKey, LockboxStep.ImportingSnapshots,
        LockboxStep.BackingUpStore, LockboxStep.Verifying, LockboxStep.DeletingUnencrypted, LockboxStep.ConfirmingDeletion,
    ];

    [Theory]
    [MemberData(nameof(EnableSteps))]
    public async Task Enable_interrupted_at_each_step_keeps_the_unencrypted_copy_until_verified_and_a_rerun_completes(LockboxStep step)
    {
        var days = await TwoStandardBackupsAsync();
        int unencrypted = await _fixture.UnencryptedObjectsAsync();
        using var cut = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _fixture.Client().EnableWithKeyAsync(ClientFixture.TypeBack, new InterruptAt(step, cut), cut.Token));

        if (step <= LockboxStep.DeletingUnencrypted)
        {
            Assert.Equal(unencrypted, await _fixture.UnencryptedObjectsAsync());
            var standard = await new StandardBackups(_fixture.Storage).ListAsync();
            string target = _fixture.Combine("standard-restore");
            await new StandardBackups(_fixture.Storage).RestoreAsync(standard[0], target);
            Assert.Equal(days[0], ClientFixture.Digest(target));
        }

        // Backups wait for the switch to finish, so nothing new slips past the import.
        if (step != LockboxStep.PreparingKey)
        {
            await Assert.ThrowsAsync<OperationPendingException>(() => _fixture.Client().BackupAsync());
        }

        await _fixture.Client().EnableWithKeyAsync(ClientFixture.TypeBack);

        using var key = _fixture.PhoneKey();
        var snapshots = await EncryptedSnapshotsAsync(key);
        Assert.Equal(3, snapshots.Count);
        Assert.Equal(days[0], await RestoreDigestAsync(key, snapshots[0]));
        Assert.Equal(days[1], await RestoreDigestAsync(key, snapshots[1]));
        using var repository = await Repository.Repository.OpenAsync(_fixture.Storage, key);
        Assert.True((await repository.CheckAsync(readData: true)).IsHealthy);
    }

    [Fact]
    public async Task Enable_interrupted_half_way_through_deleting_is_finished_by_a_rerun()
    {
        await TwoStandardBackupsAsync();
        var plain = _fixture.Storage;
        _fixture.Storage = new BreaksAfterDeletes(plain, deletes: 3);
        await Assert.ThrowsAsync<IOException>(() => _fixture.Client().EnableWithKeyAsync(ClientFixture.TypeBack));
        _fixture.Storage = plain;
        Assert.True(await _fixture.UnencryptedObjectsAsync() > 0);

        await _fixture.Client().EnableWithKeyAsync(ClientFixture.TypeBack);

        using var key = _fixture.PhoneKey();
        Assert.Equal(3, (await EncryptedSnapshotsAsync(key)).Count);
    }

    [Fact]
    public async Task Enable_key_with_a_mistyped_key_deletes_nothing_and_the_rerun_shows_the_same_key()
    {
        await TwoStandardBackupsAsync();
        int unencrypted = await _fixture.UnencryptedObjectsAsync();
        string? shown = null;

        await Assert.ThrowsAsync<KeyNotConfirmedException>(() => _fixture.Client().EnableWithKeyAsync((key, _) =>
        {
            shown = key.ToDisplayString();
            return ValueTask.FromResult("0000 1111 2222 3333 4444 5555 6666 7777 8888 9999 aaaa bbbb cccc dddd eeee ffff");
        }));
        Assert.Equal(unencrypted, await _fixture.UnencryptedObjectsAsync());

        string? shownAgain = null;
        await _fixture.Client().EnableWithKeyAsync((key, _) =>
        {
            shownAgain = key.ToDisplayString();
            return ValueTask.FromResult(shownAgain.ToUpperInvariant().Replace(' ', '-'));
        });
        Assert.Equal(shown, shownAgain);
        Assert.Equal(0, await _fixture.UnencryptedObjectsAsync());
    }

    [Fact]
    public async Task An_encrypted_copy_that_fails_verification_deletes_nothing()
    {
        await TwoStandardBackupsAsync();
        int unencrypted = await _fixture.UnencryptedObjectsAsync();
        var damage = new DamagePackWhen(LockboxStep.Verifying, _fixture.Cloud);

        var failure = await Assert.ThrowsAsync<VerificationFailedException>(() => _fixture.Client().EnableWithKeyAsync(ClientFixture.TypeBack, damage));

        Assert.Contains("nothing was deleted", failure.Message, StringComparison.Ordinal);
        Assert.Equal(unencrypted, await _fixture.UnencryptedObjectsAsync());
    }

    [Fact]
    public async Task A_standard_backup_from_another_device_during_an_unfinished_switch_is_imported_before_deletion()
    {
        await TwoStandardBackupsAsync();
        using var cut = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            _fixture.Client().EnableWithKeyAsync(ClientFixture.TypeBack, new InterruptAt(LockboxStep.DeletingUnencrypted, cut), cut.Token));

        // A tablet still in standard mode had a backup under way, whose manifest lands now (it checked
        // for a repository just before the switch created one): made beside, then copied in.
        _fixture.Clock.Now = _fixture.Clock.Now.AddHours(1);
        var side = new LocalStorage(_fixture.Combine("tablet-cloud"));
        await new StandardBackups(side).BackupAsync(_fixture.Phone, _fixture.Clock.Now, "tablet");
        foreach (var kind in new[] { ObjectKind.StandardFile, ObjectKind.StandardSnapshot })
        {
            foreach (var item in await RepositoryObjects.ListAsync(side, kind, CancellationToken.None))
            {
                await _fixture.Storage.WriteAsync(item.Name, await side.ReadAsync(item.Name));
            }
        }

        string tablet = ClientFixture.Digest(_fixture.Phone);
        var refused = await Assert.ThrowsAsync<LockboxException>(() => _fixture.Client(device: "tablet-device").BackupAsync());
        Assert.Contains("will not upload an unencrypted copy", refused.Message, StringComparison.Ordinal);

        await _fixture.Client().EnableWithKeyAsync(ClientFixture.TypeBack);

        using var key = _fixture.PhoneKey();
        var snapshots = await EncryptedSnapshotsAsync(key);
        Assert.Equal(4, snapshots.Count);
        Assert.Equal(tablet, await RestoreDigestAsync(key, snapshots[^1]));
    }

    [Fact]
    public async Task A_standard_backup_that_finishes_after_the_switch_began_is_not_kept_and_leaves_no_plaintext()
    {
        await TwoStandardBackupsAsync();
        using var cut = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            _fixture.Client().EnableWithKeyAsync(ClientFixture.TypeBack, new InterruptAt(LockboxStep.ConfirmingKey, cut), cut.Token));
        int before = await _fixture.UnencryptedObjectsAsync();
        File.WriteAllBytes(Path.Combine(_fixture.Phone, "media", "new-photo.jpg"), Enumerable.Range(0, 70_000).Select(i => (byte)(i * 13)).ToArray());

        var late = await Assert.ThrowsAsync<LockboxException>(() => new StandardBackups(_fixture.Storage).BackupAsync(_fixture.Phone, _fixture.Clock.Now, "tablet"));

        Assert.Contains("was not kept", late.Message, StringComparison.Ordinal);
        Assert.Equal(before, await _fixture.UnencryptedObjectsAsync());
    }

    public void Dispose() => _fixture.Dispose();

    /// <summary>Storage whose deletes fail after the first few, as a connection lost mid-way would.</summary>
    private sealed class BreaksAfterDeletes(IStorage inner, int deletes) : IStorage
    {
        private int _deletes;

        public string Location => inner.Location;

        public Task WriteAsync(ObjectName name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) => inner.WriteAsync(name, data, cancellationToken);

        public Task<byte[]> ReadAsync(ObjectName name, CancellationToken cancellationToken = default) => inner.ReadAsync(name, cancellationToken);

        public Task ReadRangeAsync(ObjectName name, long offset, Memory<byte> destination, CancellationToken cancellationToken = default) =>
            inner.ReadRangeAsync(name, offset, destination, cancellationToken);

        public IAsyncEnumerable<StoredObject> ListAsync(ObjectKind kind, CancellationToken cancellationToken = default) => inner.ListAsync(kind, cancellationToken);

        public Task<bool> ExistsAsync(ObjectName name, CancellationToken cancellationToken = default) => inner.ExistsAsync(name, cancellationToken);

        public Task DeleteAsync(ObjectName name, CancellationToken cancellationToken = default) =>
            name.Kind is ObjectKind.StandardSnapshot or ObjectKind.StandardFile && ++_deletes > deletes
                ? throw new IOException("connection lost")
                : inner.DeleteAsync(name, cancellationToken);

        public IStorage Child(string name) => inner.Child(name);
    }

    /// <summary>Flips a byte in a pack when a step starts, as storage rot would between upload and verification.</summary>
    private sealed class DamagePackWhen(LockboxStep step, string cloud) : IProgress<LockboxProgress>
    {
        public void Report(LockboxProgress value)
        {
            if (value.Step == step)
            {
                string pack = Directory.EnumerateFiles(Path.Combine(cloud, "data"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
                byte[] bytes = File.ReadAllBytes(pack);
                bytes[bytes.Length / 2] ^= 0x40;
                File.WriteAllBytes(pack, bytes);
            }
        }
    }
}
