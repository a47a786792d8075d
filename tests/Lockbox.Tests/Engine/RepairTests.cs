using Lockbox.Repair;
using Lockbox.Repository;
using Lockbox.Restore;
using Lockbox.Storage;
using Lockbox.Tests.Client;
using Lockbox.Tests.Storage;
using Xunit;

namespace Lockbox.Tests.Engine;

/// <summary>`lockbox repair index` and `lockbox repair snapshots` (issue 17.2; README "When something is damaged").</summary>
public sealed class RepairTests : IDisposable
{
    private readonly RepositoryFixture _fixture = new();

    private static readonly SnapshotRepairOptions Yes = new();

    /// <summary>
    /// Three snapshots in three packs: the first (a.bin, b.bin and the chat) in pack 1, the second
    /// adds c.bin (pack 2), the third drops a.bin and b.bin and changes the chat (pack 3): it uses
    /// nothing of pack 1.
    /// Returns the snapshot ids, oldest first, and a copy of the third's source.
    /// </summary>
    private async Task<(string[] Ids, string ThirdSource, string SecondSource)> ThreeSnapshotsAsync()
    {
        await _fixture.InitAsync();
        _fixture.WriteFile("a.bin", RepositoryFixture.RandomBytes(150_000, 1));
        _fixture.WriteFile("b.bin", RepositoryFixture.RandomBytes(90_000, 2));
        _fixture.WriteFile("chat/messages.txt", "hello"u8.ToArray());
        var first = await _fixture.BackupAsync();
        _fixture.WriteFile("media/c.bin", RepositoryFixture.RandomBytes(120_000, 3));
        var second = await _fixture.BackupAsync();
        string secondSource = _fixture.NewFolder("second-source");
        IncrementalTests.CopyFolder(_fixture.Source, secondSource);
        File.Delete(Path.Combine(_fixture.Source, "a.bin"));
        File.Delete(Path.Combine(_fixture.Source, "b.bin"));
        _fixture.WriteFile("chat/messages.txt", "hello again"u8.ToArray());
        var third = await _fixture.BackupAsync();
        string thirdSource = _fixture.NewFolder("third-source");
        IncrementalTests.CopyFolder(_fixture.Source, thirdSource);
        Assert.Equal(3, _fixture.PackPaths().Count);
        return ([first.SnapshotId, second.SnapshotId, third.SnapshotId], thirdSource, secondSource);
    }

    /// <summary>The pack file holding the first blob of a file.</summary>
    private async Task<string> PackOfAsync(string path, string snapshotId) => (await LocationOfAsync(path, snapshotId)).Pack;

    /// <summary>The pack file holding the first blob of a file, and the blob's offset in it.</summary>
    private async Task<(string Pack, long Offset)> LocationOfAsync(string path, string snapshotId)
    {
        using var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key);
        using var codec = new BlobCodec(repository.Keys);
        var info = await repository.FindSnapshotAsync(snapshotId);
        var entry = (await repository.ReadManifestAsync(info.Snapshot, codec, CancellationToken.None)).Single(e => e.Path == path);
        var blob = ContentElement.Parse(entry.Content![0]).StoredBlobs.First();
        var location = repository.Index.Locations(blob)[0];
        return (Path.Combine(_fixture.RepositoryPath, "data", location.Pack[..2], location.Pack), location.Entry.Offset);
    }

    private void DamageEveryIndexFile()
    {
        foreach (string index in Directory.GetFiles(Path.Combine(_fixture.RepositoryPath, "index")))
        {
            byte[] bytes = File.ReadAllBytes(index);
            bytes[30] ^= 0x01;
            File.WriteAllBytes(index, bytes);
        }
    }

    private Dictionary<string, string> StoredObjects() =>
        Directory.EnumerateFiles(_fixture.RepositoryPath, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(_fixture.RepositoryPath, f), f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))), StringComparer.Ordinal);

    private async Task<string> RestoreAsync(string snapshot, IStorage? storage = null)
    {
        string target = _fixture.NewFolder("restored-" + Guid.NewGuid().ToString("N")[..8]);
        using var repository = await Repository.Repository.OpenAsync(storage ?? _fixture.Storage, _fixture.Key);
        await repository.RestoreAsync(new RestoreRequest(snapshot, target));
        return target;
    }

    [Fact]
    public async Task Repair_index_rebuilds_a_damaged_index_from_the_pack_headers()
    {
        var (ids, _, _) = await ThreeSnapshotsAsync();
        string thirdCopy = _fixture.NewFolder("third");
        IncrementalTests.CopyFolder(_fixture.Source, thirdCopy);
        DamageEveryIndexFile();
        // A pack whose header is damaged is named, and its blobs are lost; nothing else is.
        string lost = await PackOfAsync("a.bin", ids[0]);
        byte[] bytes = File.ReadAllBytes(lost);
        bytes[^10] ^= 0x01;
        File.WriteAllBytes(lost, bytes);

        IndexRepairResult result;
        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            Assert.Equal(3, repository.DamagedIndexFiles.Count);
            result = await repository.RepairIndexAsync();
            Assert.Empty(repository.DamagedIndexFiles);
        }

        Assert.Equal(2, result.PacksIndexed);
        Assert.Equal(3, result.OldIndexFilesRemoved);
        Assert.Equal(Path.GetFileName(lost), Assert.Single(result.DamagedPacks).Name.Name);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_fixture.RepositoryPath, "locks")));

        using (var reopened = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            Assert.Empty(reopened.DamagedIndexFiles);
        }

        // Only the lost pack's snapshots are damaged; with them repaired, check is healthy.
        var check = await _fixture.CheckAsync(readData: true);
        Assert.Equal(ids[..2].Order(StringComparer.Ordinal), check.DamagedSnapshots.Select(d => d.Id).Order(StringComparer.Ordinal));
        FolderAssert.Identical(thirdCopy, await RestoreAsync(ids[2]));

        // Healthy repository: the index is rebuilt all the same, and check stays healthy.
        using var healthy = new RepositoryFixture();
        healthy.WriteFile("x.txt", "x"u8.ToArray());
        await healthy.InitAsync();
        await healthy.BackupAsync();
        using (var repository = await Repository.Repository.OpenAsync(healthy.Storage, healthy.Key))
        {
            var again = await repository.RepairIndexAsync();
            Assert.Equal(1, again.PacksIndexed);
            Assert.Empty(again.DamagedPacks);
        }

        Assert.True((await healthy.CheckAsync(readData: true)).IsHealthy);
    }

    [Fact]
    public async Task Repair_index_keeps_every_blob_of_a_pack_whose_header_alone_is_damaged_and_repair_snapshots_then_drops_nothing()
    {
        var (ids, thirdSource, _) = await ThreeSnapshotsAsync();
        string pack = await PackOfAsync("a.bin", ids[0]);
        byte[] bytes = File.ReadAllBytes(pack);
        bytes[^10] ^= 0x01;
        File.WriteAllBytes(pack, bytes);

        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            var result = await repository.RepairIndexAsync();
            Assert.Equal(Path.GetFileName(pack), Assert.Single(result.DamagedPacks).Name.Name);
        }

        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            var repaired = await repository.RepairSnapshotsAsync(dryRun: false, Yes);
            Assert.Empty(repaired.Repaired);
            Assert.Empty(repaired.Forgotten);
        }

        Assert.Empty((await _fixture.CheckAsync(readData: true)).DamagedSnapshots);
        FolderAssert.Identical(thirdSource, await RestoreAsync(ids[2]));
    }

    [Fact]
    public async Task Repair_snapshots_with_the_index_damaged_and_all_packs_intact_drops_nothing()
    {
        var (ids, thirdSource, secondSource) = await ThreeSnapshotsAsync();
        DamageEveryIndexFile();
        var before = StoredObjects();

        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            var refused = await Assert.ThrowsAsync<IndexNeedsRepairException>(() => repository.RepairSnapshotsAsync(dryRun: false, Yes));
            Assert.Contains("lockbox repair index", refused.Message, StringComparison.Ordinal);
            Assert.Contains("changed nothing", refused.Message, StringComparison.Ordinal);
        }

        Assert.Equal(before, StoredObjects());

        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            await repository.RepairIndexAsync();
        }

        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            var result = await repository.RepairSnapshotsAsync(dryRun: false, Yes);
            Assert.True(result.NothingToDo);
            Assert.Equal(3, result.Whole);
            Assert.Equal(ids.Order(StringComparer.Ordinal), (await repository.ListSnapshotsAsync()).Select(s => s.Id).Order(StringComparer.Ordinal));
        }

        FolderAssert.Identical(secondSource, await RestoreAsync(ids[1]));
        FolderAssert.Identical(thirdSource, await RestoreAsync(ids[2]));
        string first = await RestoreAsync(ids[0]);
        Assert.Equal(["a.bin", "b.bin", "chat/messages.txt"], Directory.EnumerateFiles(first, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(first, f).Replace('\\', '/')).Order(StringComparer.Ordinal));
        Assert.Equal(File.ReadAllBytes(Path.Combine(secondSource, "a.bin")), File.ReadAllBytes(Path.Combine(first, "a.bin")));
        Assert.True((await _fixture.CheckAsync(readData: true)).IsHealthy);
    }

    [Fact]
    public async Task Repair_snapshots_keeps_every_whole_file_of_a_snapshot_that_lost_a_pack()
    {
        var (ids, thirdSource, secondSource) = await ThreeSnapshotsAsync();
        File.Delete(await PackOfAsync("a.bin", ids[0]));

        SnapshotRepairResult result;
        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            result = await repository.RepairSnapshotsAsync(dryRun: false, Yes);
        }

        // The first snapshot kept nothing but the lost pack: forgotten. The second lost a.bin,
        // b.bin and chat/messages.txt (all in the lost pack) and keeps media/c.bin.
        Assert.Equal(1, result.Whole);
        Assert.Single(result.MissingPacks);
        Assert.Equal(ids[0], Assert.Single(result.Forgotten).Id);
        var repaired = Assert.Single(result.Repaired);
        Assert.Equal(ids[1], repaired.Id);
        Assert.Equal(["a.bin", "b.bin", "chat/messages.txt"], repaired.DroppedFiles);
        Assert.NotNull(repaired.NewId);

        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            var snapshots = await repository.ListSnapshotsAsync();
            Assert.Equal([repaired.NewId, ids[2]], snapshots.Select(s => s.Id));
            var fixedUp = snapshots[0].Snapshot;
            Assert.Contains("repaired", fixedUp.Tags);
            Assert.Equal(result.Repaired[0].Time, fixedUp.Time);
            Assert.Equal(1, fixedUp.Summary.Files);
        }

        string restored = await RestoreAsync(repaired.NewId!);
        Assert.Equal(["media/c.bin"], Directory.EnumerateFiles(restored, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(restored, f).Replace('\\', '/')));
        Assert.Equal(File.ReadAllBytes(Path.Combine(secondSource, "media/c.bin")), File.ReadAllBytes(Path.Combine(restored, "media/c.bin")));
        FolderAssert.Identical(thirdSource, await RestoreAsync(ids[2]));

        // Run again: nothing left to do.
        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            Assert.True((await repository.RepairSnapshotsAsync(dryRun: false, Yes)).NothingToDo);
        }
    }

    [Fact]
    public async Task Repair_snapshots_dry_run_lists_what_it_would_drop_and_changes_nothing()
    {
        var (ids, _, _) = await ThreeSnapshotsAsync();
        File.Delete(await PackOfAsync("a.bin", ids[0]));
        var before = StoredObjects();

        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            bool asked = false;
            var plan = await repository.RepairSnapshotsAsync(dryRun: true, new SnapshotRepairOptions { Confirm = _ => asked = true });
            Assert.True(plan.DryRun);
            Assert.False(asked);
            Assert.Equal(["a.bin", "b.bin", "chat/messages.txt"], Assert.Single(plan.Repaired).DroppedFiles);
            Assert.Null(plan.Repaired[0].NewId);
            Assert.Equal(ids[0], Assert.Single(plan.Forgotten).Id);

            // Declined at the confirmation: nothing changes either.
            var declined = await Assert.ThrowsAsync<LockboxException>(() => repository.RepairSnapshotsAsync(dryRun: false, new SnapshotRepairOptions { Confirm = _ => false }));
            Assert.Contains("Nothing was changed", declined.Message, StringComparison.Ordinal);
        }

        Assert.Equal(before, StoredObjects());
    }

    [Fact]
    public async Task A_snapshot_that_cannot_be_read_is_forgotten_and_the_others_are_kept()
    {
        var (ids, thirdSource, secondSource) = await ThreeSnapshotsAsync();
        string damaged = Path.Combine(_fixture.RepositoryPath, "snapshots", ids[0]);
        byte[] bytes = File.ReadAllBytes(damaged);
        bytes[^5] ^= 0x80;
        File.WriteAllBytes(damaged, bytes);

        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            var result = await repository.RepairSnapshotsAsync(dryRun: false, Yes);
            var forgotten = Assert.Single(result.Forgotten);
            Assert.Equal(ids[0], forgotten.Id);
            Assert.Null(forgotten.Time);
            Assert.Empty(result.Repaired);
        }

        Assert.False(File.Exists(damaged));
        FolderAssert.Identical(secondSource, await RestoreAsync(ids[1]));
        FolderAssert.Identical(thirdSource, await RestoreAsync(ids[2]));
    }

    [Fact]
    public async Task Repair_snapshots_with_read_data_drops_a_file_whose_blob_was_bit_flipped()
    {
        var (ids, _, secondSource) = await ThreeSnapshotsAsync();
        var (pack, offset) = await LocationOfAsync("media/c.bin", ids[1]);
        byte[] bytes = File.ReadAllBytes(pack);
        bytes[offset + 100] ^= 0x04;
        File.WriteAllBytes(pack, bytes);

        using var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key);

        // Without reading the data, the pack's header still holds the blob: nothing is missing.
        Assert.True((await repository.RepairSnapshotsAsync(dryRun: true, Yes)).NothingToDo);

        var result = await repository.RepairSnapshotsAsync(dryRun: false, new SnapshotRepairOptions { ReadData = true });
        Assert.Equal(1, result.DamagedCopies);
        Assert.Equal(2, result.Repaired.Count);
        Assert.All(result.Repaired, r => Assert.Equal(["media/c.bin"], r.DroppedFiles));
        string restored = await RestoreAsync(result.Repaired.Single(r => r.Id == ids[1]).NewId!);
        File.Delete(Path.Combine(secondSource, "media/c.bin"));
        FolderAssert.Identical(secondSource, restored);
    }

    public static TheoryData<string, string> ReadErrors => new()
    {
        { "read", "pack" },
        { "read", "snapshot" },
        { "read", "pack-missing" },
        { "list", "any" },
    };

    [Theory]
    [MemberData(nameof(ReadErrors))]
    public async Task A_read_error_is_never_missing_and_repair_changes_nothing(string operation, string target)
    {
        var (ids, _, _) = await ThreeSnapshotsAsync();
        File.Delete(await PackOfAsync("a.bin", ids[0]));
        var before = StoredObjects();
        bool failing = false;
        var faulty = new FaultInjectingStorage(_fixture.Storage, 1, 0, StorageFault.None)
        {
            LastingFault = (op, name) => !failing || op != operation ? StorageFault.None : (target, name?.Kind) switch
            {
                ("pack", ObjectKind.Pack) => StorageFault.Error,
                ("snapshot", ObjectKind.Snapshot) => StorageFault.Error,
                ("pack-missing", ObjectKind.Pack) => StorageFault.ReportedMissing,
                ("any", _) when op == "list" => StorageFault.Error,
                _ => StorageFault.None,
            },
        };

        using (var repository = await Repository.Repository.OpenAsync(faulty, _fixture.Key))
        {
            failing = true;
            var error = await Assert.ThrowsAnyAsync<Exception>(() => repository.RepairSnapshotsAsync(dryRun: false, Yes));
            Assert.True(error is IOException or ObjectNotFoundException, error.ToString());
            if (target != "snapshot")
            {
                // repair index reads no snapshot.
                var indexError = await Assert.ThrowsAnyAsync<Exception>(() => repository.RepairIndexAsync());
                Assert.True(indexError is IOException or ObjectNotFoundException, indexError.ToString());
            }
        }

        Assert.Equal(before, StoredObjects());
    }

    [Fact]
    public async Task A_read_that_times_out_is_never_missing_and_repair_changes_nothing()
    {
        var (ids, _, _) = await ThreeSnapshotsAsync();
        File.Delete(await PackOfAsync("a.bin", ids[0]));
        var before = StoredObjects();
        bool failing = false;
        var hanging = new FaultInjectingStorage(_fixture.Storage, 1, 0, StorageFault.None)
        {
            LastingFault = (op, name) => failing && op == "read" && name?.Kind == ObjectKind.Pack ? StorageFault.Hang : StorageFault.None,
        };

        using (var repository = await Repository.Repository.OpenAsync(hanging, _fixture.Key))
        {
            failing = true;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => repository.RepairSnapshotsAsync(dryRun: false, Yes, timeout.Token));
        }

        Assert.Equal(before, StoredObjects());
    }

    [Fact]
    public async Task Repair_survives_a_crash_at_every_storage_call_and_running_it_again_finishes()
    {
        var (ids, thirdSource, secondSource) = await ThreeSnapshotsAsync();
        File.Delete(await PackOfAsync("a.bin", ids[0]));
        DamageEveryIndexFile();
        string pristine = _fixture.NewFolder("pristine");
        IncrementalTests.CopyFolder(_fixture.RepositoryPath, pristine);

        async Task RepairAsync(IStorage storage)
        {
            using (var repository = await Repository.Repository.OpenAsync(storage, _fixture.Key))
            {
                await repository.RepairIndexAsync();
            }

            using (var repository = await Repository.Repository.OpenAsync(storage, _fixture.Key))
            {
                await repository.RepairSnapshotsAsync(dryRun: false, Yes);
            }
        }

        var counter = new CrashAfter(new LocalStorage(_fixture.NewFolder("count")), int.MaxValue);
        IncrementalTests.CopyFolder(pristine, counter.Location);
        await RepairAsync(counter);
        int calls = counter.Calls;
        Assert.True(calls > 20, $"{calls} calls");

        for (int at = 1; at <= calls; at++)
        {
            string folder = _fixture.NewFolder($"crash-{at}");
            IncrementalTests.CopyFolder(pristine, folder);
            var plain = new LocalStorage(folder);
            await Assert.ThrowsAsync<SimulatedCrashException>(() => RepairAsync(new CrashAfter(plain, at)));

            // The "killed" process's locks go, as a killed process's do on its own machine (FORMAT.md §9).
            foreach (string lockFile in Directory.Exists(Path.Combine(folder, "locks")) ? Directory.GetFiles(Path.Combine(folder, "locks")) : [])
            {
                File.Delete(lockFile);
            }

            // The snapshot that was whole is still whole.
            FolderAssert.Identical(thirdSource, await RestoreAsync(ids[2], plain));

            await RepairAsync(plain);
            using var repository = await Repository.Repository.OpenAsync(plain, _fixture.Key);
            var snapshots = await repository.ListSnapshotsAsync();
            Assert.Equal(2, snapshots.Count);
            Assert.Equal(ids[2], snapshots[1].Id);
            Assert.Contains("repaired", snapshots[0].Snapshot.Tags);
            var check = await repository.CheckAsync(readData: true);
            Assert.True(check.IsHealthy, $"crash at {at}: {string.Join("\n", check.Errors)}");
            string restored = _fixture.NewFolder($"crash-{at}-restored");
            await repository.RestoreAsync(new RestoreRequest(snapshots[0].Id, restored));
            Assert.Equal(File.ReadAllBytes(Path.Combine(secondSource, "media/c.bin")), File.ReadAllBytes(Path.Combine(restored, "media/c.bin")));
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>README.md, "When something is damaged", followed step by step.</summary>
    [Fact]
    public async Task The_README_steps_for_damage_leave_a_healthy_repository_and_the_next_backup_stores_the_data_again()
    {
        var (ids, _, secondSource) = await ThreeSnapshotsAsync();
        File.Delete(await PackOfAsync("a.bin", ids[0]));
        string damagedSnapshot = Path.Combine(_fixture.RepositoryPath, "snapshots", ids[2]);
        byte[] bytes = File.ReadAllBytes(damagedSnapshot);
        bytes[^5] ^= 0x80;
        File.WriteAllBytes(damagedSnapshot, bytes);

        // 1. check names the damaged snapshots and files.
        var check = await _fixture.CheckAsync(readData: true);
        Assert.Equal(3, check.DamagedSnapshots.Count);
        Assert.Contains(check.DamagedSnapshots, d => d.Id == ids[1] && d.Files.Contains("a.bin"));

        // 2. restore --partial restores what verifies.
        string partial = _fixture.NewFolder("partial");
        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            var restored = await repository.RestoreAsync(new RestoreRequest(ids[1], partial) { Partial = true });
            Assert.Equal(["a.bin", "b.bin", "chat/messages.txt"], restored.NotRestored.Select(n => n.Path).Order(StringComparer.Ordinal));
        }

        Assert.Equal(File.ReadAllBytes(Path.Combine(secondSource, "media/c.bin")), File.ReadAllBytes(Path.Combine(partial, "media/c.bin")));

        // 3. repair index; 4. repair snapshots --dry-run, then --yes (the unreadable snapshot is forgotten with it).
        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            Assert.Single((await repository.RepairIndexAsync()).MissingPacks);
        }

        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            var plan = await repository.RepairSnapshotsAsync(dryRun: true);
            Assert.Equal(2, plan.Forgotten.Count);
            var done = await repository.RepairSnapshotsAsync(dryRun: false, Yes);
            Assert.Equal(plan.Repaired.Select(r => r.Id), done.Repaired.Select(r => r.Id));
        }

        // 5. forget ID of a snapshot that cannot be read (here already gone: forget by id works on damaged ones too).
        // 6. prune; check is healthy.
        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            await repository.PruneAsync();
        }

        Assert.True((await _fixture.CheckAsync(readData: true)).IsHealthy);

        // 7. The next backup stores the lost data again from the device.
        var next = await _fixture.BackupAsync();
        FolderAssert.Identical(_fixture.Source, await RestoreAsync(next.SnapshotId));
        Assert.True((await _fixture.CheckAsync(readData: true)).IsHealthy);
    }

    /// <summary>README.md, "When something is damaged", for bit rot: check --read-data on the device, repair --read-data, prune, backup.</summary>
    [Fact]
    public async Task The_README_steps_for_bit_rot_drop_the_file_and_the_next_backup_stores_it_again()
    {
        var (ids, _, _) = await ThreeSnapshotsAsync();
        var (pack, offset) = await LocationOfAsync("media/c.bin", ids[1]);
        byte[] bytes = File.ReadAllBytes(pack);
        bytes[offset + 100] ^= 0x04;
        File.WriteAllBytes(pack, bytes);

        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            var check = await repository.CheckAsync(readData: true, _fixture.CacheFolder);
            Assert.Equal(2, check.DamagedSnapshots.Count);
        }

        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            var done = await repository.RepairSnapshotsAsync(dryRun: false, new SnapshotRepairOptions { ReadData = true });
            Assert.Equal(2, done.Repaired.Count);
            await repository.PruneAsync();
        }

        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            var check = await repository.CheckAsync(readData: true, _fixture.CacheFolder);
            Assert.Empty(check.DamagedSnapshots);
        }

        var next = await _fixture.BackupAsync();
        FolderAssert.Identical(_fixture.Source, await RestoreAsync(next.SnapshotId));
        Assert.Empty((await _fixture.CheckAsync(readData: true)).DamagedSnapshots);
    }

    [Fact]
    public async Task Forget_removes_a_snapshot_that_cannot_be_read_and_prune_then_runs()
    {
        var (ids, thirdSource, _) = await ThreeSnapshotsAsync();
        string damaged = Path.Combine(_fixture.RepositoryPath, "snapshots", ids[1]);
        File.WriteAllBytes(damaged, [1, 2, 3]);
        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            await Assert.ThrowsAsync<DamagedSnapshotException>(() => repository.PruneAsync());
            Assert.Equal([ids[1]], await repository.ForgetAsync([ids[1][..8]]));
            await repository.PruneAsync();
        }

        Assert.True((await _fixture.CheckAsync(readData: true)).IsHealthy);
        FolderAssert.Identical(thirdSource, await RestoreAsync(ids[2]));
    }

    public void Dispose() => _fixture.Dispose();
}
