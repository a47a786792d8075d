using Lockbox.Client;
using Lockbox.Device;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Restore;
using Lockbox.Standard;
using Lockbox.Storage;
using Xunit;
using Xunit.Abstractions;

namespace Lockbox.Tests.Client;

/// <summary>
/// Enable, disable and rotation, each "killed" at storage calls spread over the whole run (the
/// storage dies there, as a killed process's would): afterwards the data is whole in one of the
/// forms the spec allows, and running the operation again completes it.
/// </summary>
public sealed class CrashSweepTests(ITestOutputHelper log)
{
    /// <summary>Crashes per operation: 16 in the test command; LOCKBOX_SWITCH_CRASHES=all crashes at every storage call (tests/crash-long.sh).</summary>
    private static readonly string? Setting = Environment.GetEnvironmentVariable("LOCKBOX_SWITCH_CRASHES");

    private int _trials;

    /// <summary>Crash points spread over a run of <paramref name="calls"/> storage calls, with a fixed seed.</summary>
    private IEnumerable<int> CrashPoints(int calls, int seed)
    {
        if (Setting == "all")
        {
            _trials = calls;
            return Enumerable.Range(1, calls);
        }

        _trials = int.TryParse(Setting, out int n) ? n : 16;
        var random = new Random(seed);
        return Enumerable.Range(0, _trials).Select(i => 1 + (int)((i + random.NextDouble()) * (calls - 1) / _trials)).ToList();
    }

    private static async Task<(ClientFixture Fixture, List<string> Days)> StandardPhoneAsync()
    {
        var fixture = new ClientFixture();
        await fixture.GenerateAsync();
        var days = new List<string>();
        for (int day = 0; day < 2; day++)
        {
            if (day > 0)
            {
                await fixture.NextDayAsync(seed: 30 + day);
            }

            await fixture.Client().BackupAsync();
            days.Add(ClientFixture.Digest(fixture.Phone));
        }

        return (fixture, days);
    }

    /// <summary>A phone switched to key mode; returns its snapshots' digests.</summary>
    private static async Task<(ClientFixture Fixture, List<string> Snapshots)> EncryptedPhoneAsync()
    {
        var (fixture, _) = await StandardPhoneAsync();
        await fixture.Client().EnableWithKeyAsync(ClientFixture.TypeBack);
        using var key = fixture.PhoneKey();
        return (fixture, await EncryptedDigestsAsync(fixture, fixture.Storage, key));
    }

    private static async Task<int> CountCallsAsync(ClientFixture fixture, Func<LockboxClient, Task> operation)
    {
        var plain = fixture.Storage;
        var counter = new CrashAfter(plain, int.MaxValue);
        fixture.Storage = counter;
        await operation(fixture.Client());
        fixture.Storage = plain;
        return counter.Calls;
    }

    private static async Task<bool> CrashAtAsync(ClientFixture fixture, int at, Func<LockboxClient, Task> operation)
    {
        var plain = fixture.Storage;
        fixture.Storage = new CrashAfter(plain, at);
        try
        {
            await operation(fixture.Client());
            return false;
        }
        catch (SimulatedCrashException)
        {
            // A killed process's locks on this machine are removed at once (FORMAT.md §9); this one
            // "died" without dying, so its locks go here.
            foreach (var storage in new[] { plain, plain.Child(StorageChildren.Rotation) })
            {
                foreach (var item in await RepositoryObjects.ListAsync(storage, ObjectKind.Lock, CancellationToken.None))
                {
                    await storage.DeleteAsync(item.Name);
                }
            }

            return true;
        }
        finally
        {
            fixture.Storage = plain;
        }
    }

    private static async Task<List<string>> EncryptedDigestsAsync(ClientFixture fixture, IStorage storage, BackupKey key)
    {
        using var repository = await Repository.Repository.OpenAsync(storage, key);
        Assert.True((await repository.CheckAsync(readData: true)).IsHealthy);
        var digests = new List<string>();
        foreach (var snapshot in await repository.ListSnapshotsAsync())
        {
            string target = fixture.Combine("check-" + Guid.NewGuid().ToString("N"));
            await repository.RestoreAsync(new RestoreRequest(snapshot.Id, target));
            digests.Add(ClientFixture.Digest(target));
            Directory.Delete(target, recursive: true);
        }

        return digests;
    }

    private static async Task<List<string>> StandardDigestsAsync(ClientFixture fixture)
    {
        var standard = new StandardBackups(fixture.Storage);
        var digests = new List<string>();
        foreach (var snapshot in await standard.ListAsync())
        {
            string target = fixture.Combine("check-" + Guid.NewGuid().ToString("N"));
            await standard.RestoreAsync(snapshot, target);
            digests.Add(ClientFixture.Digest(target));
            Directory.Delete(target, recursive: true);
        }

        return digests;
    }

    [Fact]
    public async Task Enable_killed_anywhere_never_loses_an_unencrypted_snapshot_and_a_rerun_completes()
    {
        int calls;
        var (probe, _) = await StandardPhoneAsync();
        using (probe)
        {
            calls = await CountCallsAsync(probe, c => c.EnableWithKeyAsync(ClientFixture.TypeBack));
        }

        foreach (int at in CrashPoints(calls, seed: 501))
        {
            var (fixture, days) = await StandardPhoneAsync();
            using (fixture)
            {
                Assert.True(await CrashAtAsync(fixture, at, c => c.EnableWithKeyAsync(ClientFixture.TypeBack)), $"no crash at call {at} of {calls}");

                // Every day is still held: unencrypted, or in an encrypted copy that verifies under the device's key.
                var held = await StandardDigestsAsync(fixture);
                if (held.Count < days.Count)
                {
                    using var key = fixture.PhoneKey();
                    held.AddRange(await EncryptedDigestsAsync(fixture, fixture.Storage, key));
                }

                Assert.All(days, day => Assert.Contains(day, held));

                await fixture.Client().EnableWithKeyAsync(ClientFixture.TypeBack);
                Assert.Equal(0, await fixture.UnencryptedObjectsAsync());
                using var final = fixture.PhoneKey();
                var encrypted = await EncryptedDigestsAsync(fixture, fixture.Storage, final);
                Assert.All(days, day => Assert.Contains(day, encrypted));
            }
        }

        log.WriteLine($"enable: {_trials} crashes over {calls} storage calls");
    }

    [Fact]
    public async Task Rotation_killed_anywhere_leaves_every_snapshot_under_a_key_the_device_holds_and_a_rerun_completes()
    {
        int calls;
        var (probe, _) = await EncryptedPhoneAsync();
        using (probe)
        {
            calls = await CountCallsAsync(probe, c => c.RotateKeyAsync(null, ClientFixture.TypeBack));
        }

        foreach (int at in CrashPoints(calls, seed: 502))
        {
            var (fixture, snapshots) = await EncryptedPhoneAsync();
            using (fixture)
            {
                var device = fixture.PhoneDevice;
                using var oldKey = device.LoadKey()!;
                Assert.True(await CrashAtAsync(fixture, at, c => c.RotateKeyAsync(null, ClientFixture.TypeBack)), $"no crash at call {at} of {calls}");

                // The snapshots are whole under the old key at the root, or under the new key in the rotation child or at the root.
                using var current = device.LoadKey()!;
                using var next = device.LoadNextKey();
                var child = fixture.Storage.Child(StorageChildren.Rotation);
                bool whole = await OpensWithAsync(fixture, fixture.Storage, current, snapshots)
                    || (next is not null && (await OpensWithAsync(fixture, child, next, snapshots) || await OpensWithAsync(fixture, fixture.Storage, next, snapshots)));
                Assert.True(whole, $"after a crash at call {at} of {calls}, no key the device holds opens every snapshot");

                await fixture.Client().RotateKeyAsync(null, ClientFixture.TypeBack);
                using var final = device.LoadKey()!;
                Assert.False(final.Bytes.SequenceEqual(oldKey.Bytes));
                Assert.Equal(snapshots, await EncryptedDigestsAsync(fixture, fixture.Storage, final));
                await Assert.ThrowsAsync<WrongKeyException>(() => Repository.Repository.OpenAsync(fixture.Storage, oldKey));
            }
        }

        log.WriteLine($"rotate: {_trials} crashes over {calls} storage calls");
    }

    [Fact]
    public async Task Disable_killed_anywhere_keeps_every_snapshot_encrypted_or_exported_and_a_rerun_completes()
    {
        int calls;
        var (probe, _) = await EncryptedPhoneAsync();
        using (probe)
        {
            calls = await CountCallsAsync(probe, c => c.DisableAsync());
        }

        foreach (int at in CrashPoints(calls, seed: 503))
        {
            var (fixture, snapshots) = await EncryptedPhoneAsync();
            using (fixture)
            {
                Assert.True(await CrashAtAsync(fixture, at, c => c.DisableAsync()), $"no crash at call {at} of {calls}");

                var held = await StandardDigestsAsync(fixture);
                using (var key = fixture.PhoneDevice.LoadKey())
                {
                    if (held.Count < snapshots.Count)
                    {
                        Assert.NotNull(key);
                        held.AddRange(await EncryptedDigestsAsync(fixture, fixture.Storage, key));
                    }
                }

                Assert.All(snapshots, s => Assert.Contains(s, held));

                await fixture.Client().DisableAsync();
                Assert.False(await fixture.Storage.ExistsAsync(ObjectName.Config));
                Assert.Equal(snapshots, await StandardDigestsAsync(fixture));
                Assert.Equal(BackupMode.Standard, fixture.PhoneDevice.LoadState().Mode);
            }
        }

        log.WriteLine($"disable: {_trials} crashes over {calls} storage calls");
    }

    private static async Task<bool> OpensWithAsync(ClientFixture fixture, IStorage storage, BackupKey key, List<string> snapshots)
    {
        try
        {
            return (await EncryptedDigestsAsync(fixture, storage, key)).SequenceEqual(snapshots);
        }
        catch (Exception e) when (e is LockboxException or Xunit.Sdk.XunitException)
        {
            return false;
        }
    }
}
