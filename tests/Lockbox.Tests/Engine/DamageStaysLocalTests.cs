using Lockbox.Backup;
using Lockbox.Crypto;
using Lockbox.Repository;
using Lockbox.Restore;
using Lockbox.Storage;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Lockbox.Tests.Engine;

/// <summary>
/// What can be restored, will be: one damaged or missing object costs the snapshots and files that
/// use it, and nothing else. Every other snapshot still lists, checks and restores byte-identical,
/// backups go on, and the damaged data is stored again.
/// </summary>
public sealed class DamageStaysLocalTests : IDisposable
{
    private readonly RepositoryFixture _fixture = new();

    /// <summary>Three snapshots, each source state kept aside for comparison; returns their ids, oldest first.</summary>
    private async Task<List<(string Id, string Copy)>> ThreeSnapshotsAsync()
    {
        var made = new List<(string, string)>();
        await _fixture.InitAsync();
        for (int i = 0; i < 3; i++)
        {
            _fixture.WriteFile($"media/Images/photo-{i}.jpg", RepositoryFixture.RandomBytes(200_000 + i, 10 + i));
            _fixture.WriteFile("chat.txt", System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat($"message {i} ", 3000))));
            var backup = await _fixture.BackupAsync();
            string copy = _fixture.NewFolder($"source-{i}");
            IncrementalTests.CopyFolder(_fixture.Source, copy);
            made.Add((backup.SnapshotId, copy));
        }

        return made;
    }

    [Fact]
    public async Task A_truncated_old_snapshot_costs_only_itself_and_forget_by_its_id_removes_it()
    {
        var snapshots = await ThreeSnapshotsAsync();
        string damaged = SnapshotPath(snapshots[0].Id);
        File.WriteAllBytes(damaged, File.ReadAllBytes(damaged)[..40]);

        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            var listing = await repository.ReadSnapshotsAsync();
            Assert.Equal([snapshots[1].Id, snapshots[2].Id], listing.Intact.Select(s => s.Id));
            Assert.Equal(snapshots[0].Id, Assert.Single(listing.Damaged).Name.Name);

            // An operation that must account for every snapshot refuses, changing nothing, and says how to go on.
            var refused = await Assert.ThrowsAsync<DamagedSnapshotException>(() => repository.PruneAsync());
            Assert.Contains($"lockbox forget {snapshots[0].Id[..8]}", refused.Message, StringComparison.Ordinal);
        }

        foreach (var (id, copy) in snapshots.Skip(1))
        {
            string target = _fixture.NewFolder("restored-" + id[..8]);
            await _fixture.RestoreAsync(target, id[..8]);
            FolderAssert.Identical(copy, target);
        }

        var check = await _fixture.CheckAsync(readData: true);
        var reported = Assert.Single(check.DamagedSnapshots);
        Assert.Equal(snapshots[0].Id, reported.Id);
        Assert.True(reported.WholeSnapshot);

        var backup = await _fixture.BackupAsync();
        Assert.Equal(snapshots[2].Id, await ParentOfAsync(backup.SnapshotId));

        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            Assert.Equal([snapshots[0].Id], await repository.ForgetAsync([snapshots[0].Id[..8]]));
            Assert.Empty((await repository.ReadSnapshotsAsync()).Damaged);
            await repository.PruneAsync();
        }

        Assert.True((await _fixture.CheckAsync(readData: true)).IsHealthy);
    }

    [Fact]
    public async Task A_damaged_blob_costs_only_the_files_that_use_it_and_check_names_them()
    {
        var snapshots = await ThreeSnapshotsAsync();
        await FlipBlobOfAsync(snapshots[2].Id, "media/Images/photo-2.jpg");

        var check = await _fixture.CheckAsync(readData: true);
        var reported = Assert.Single(check.DamagedSnapshots);
        Assert.Equal(snapshots[2].Id, reported.Id);
        Assert.False(reported.WholeSnapshot);
        Assert.Equal(["media/Images/photo-2.jpg"], reported.Files);

        foreach (var (id, copy) in snapshots.Take(2))
        {
            string target = _fixture.NewFolder("restored-" + id[..8]);
            await _fixture.RestoreAsync(target, id);
            FolderAssert.Identical(copy, target);
        }
    }

    [Fact]
    public async Task Restore_of_a_damaged_snapshot_is_all_or_nothing_by_default_and_partial_restores_every_file_that_verifies()
    {
        var snapshots = await ThreeSnapshotsAsync();
        await FlipBlobOfAsync(snapshots[2].Id, "media/Images/photo-2.jpg");

        string whole = _fixture.NewFolder("all-or-nothing");
        var error = await Assert.ThrowsAsync<CorruptObjectException>(() => _fixture.RestoreAsync(whole, snapshots[2].Id));
        Assert.Equal(ObjectKind.Pack, error.ObjectName.Kind);
        Assert.False(Directory.Exists(whole));

        string partial = _fixture.NewFolder("partial");
        RestoreResult result;
        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            result = await repository.RestoreAsync(new RestoreRequest(snapshots[2].Id, partial) { Partial = true });
        }

        var left = Assert.Single(result.NotRestored);
        Assert.Equal("media/Images/photo-2.jpg", left.Path);
        Assert.Contains("Corrupt object data/", left.Problem, StringComparison.Ordinal);
        File.Delete(Path.Combine(snapshots[2].Copy, "media/Images/photo-2.jpg"));
        FolderAssert.Identical(snapshots[2].Copy, partial);
    }

    [Fact]
    public async Task A_blob_check_found_damaged_is_stored_again_by_the_next_backup_and_the_old_snapshot_reads_the_new_copy()
    {
        var snapshots = await ThreeSnapshotsAsync();
        await FlipBlobOfAsync(snapshots[2].Id, "media/Images/photo-2.jpg");
        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            Assert.NotEmpty((await repository.CheckAsync(readData: true, _fixture.CacheFolder)).DamagedCopies);
        }

        var backup = await _fixture.BackupAsync();
        Assert.True(backup.Summary.NewBlobs > 0, "the damaged blob was stored again");

        // The new snapshot is whole, and so, from the new copy, is the one the damage had reached.
        var check = await _fixture.CheckAsync(readData: true);
        Assert.Empty(check.DamagedSnapshots);
        Assert.False(check.IsHealthy, "the damaged copy itself is still reported");
        foreach (string id in new[] { snapshots[2].Id, backup.SnapshotId })
        {
            string target = _fixture.NewFolder("restored-" + id[..8]);
            await _fixture.RestoreAsync(target, id);
            FolderAssert.Identical(snapshots[2].Copy, target);
        }
    }

    [Fact]
    public async Task A_missing_pack_is_stored_again_by_the_next_backup_without_a_check_first()
    {
        await _fixture.InitAsync();
        _fixture.WriteFile("media/Images/a.jpg", RepositoryFixture.RandomBytes(300_000, 1));
        var first = await _fixture.BackupAsync();
        foreach (string pack in _fixture.PackPaths())
        {
            File.Delete(pack);
        }

        var second = await _fixture.BackupAsync();
        Assert.True(second.Summary.NewBlobs > 0, "the lost blobs were stored again");

        // Both snapshots read the new copies; check still names the pack the index lists as gone.
        foreach (string id in new[] { first.SnapshotId, second.SnapshotId })
        {
            string target = _fixture.NewFolder("restored-" + id[..8]);
            await _fixture.RestoreAsync(target, id);
            FolderAssert.Identical(_fixture.Source, target);
        }

        var check = await _fixture.CheckAsync(readData: true);
        Assert.Empty(check.DamagedSnapshots);
        Assert.Contains(check.Errors, e => e.Contains("is missing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_page_delta_is_never_written_against_a_base_page_that_check_found_damaged()
    {
        await _fixture.InitAsync();
        string database = Path.Combine(_fixture.Source, "msgstore.db");
        Sql(database, "CREATE TABLE messages(id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
        Sql(database, string.Join(';', Enumerable.Range(0, 400).Select(i => $"INSERT INTO messages(body) VALUES ('message {i} {new string('x', 200)}')")));
        var first = await _fixture.BackupAsync();

        // Damage every page blob of the base, as a failing disk would, and let check find it.
        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            foreach (string pack in _fixture.PackPaths())
            {
                byte[] bytes = File.ReadAllBytes(pack);
                foreach (var entry in repository.Index.ByPack()[Path.GetFileName(pack)].Where(e => e.Type == BlobType.Data))
                {
                    bytes[entry.Offset + 30] ^= 0x01;
                }

                File.WriteAllBytes(pack, bytes);
            }

            await repository.CheckAsync(readData: true, _fixture.CacheFolder);
        }

        Sql(database, "UPDATE messages SET body = 'edited ' || body WHERE id % 50 = 0");
        var second = await _fixture.BackupAsync();
        string target = _fixture.NewFolder("restored");
        await _fixture.RestoreAsync(target, second.SnapshotId);
        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            var snapshot = await repository.FindSnapshotAsync(second.SnapshotId);
            using var codec = new BlobCodec(repository.Keys);
            var entry = (await repository.ReadManifestAsync(snapshot.Snapshot, codec, CancellationToken.None)).Single(e => e.Path == "msgstore.db");
            Assert.DoesNotContain(entry.Content!, e => ContentElement.Parse(e).IsDelta);
        }

        Assert.Equal("ok", Scalar(Path.Combine(target, "msgstore.db"), "PRAGMA integrity_check"));
        Assert.Equal(first.SnapshotId, Assert.Single((await _fixture.CheckAsync(readData: true)).DamagedSnapshots).Id);
    }

    [Fact]
    public async Task Check_reports_every_problem_it_finds_and_never_stops_at_the_first()
    {
        var snapshots = await ThreeSnapshotsAsync();
        string index = Directory.GetFiles(Path.Combine(_fixture.RepositoryPath, "index"))[0];
        byte[] indexBytes = File.ReadAllBytes(index);
        indexBytes[^3] ^= 0x01;
        File.WriteAllBytes(index, indexBytes);
        string snapshot = SnapshotPath(snapshots[0].Id);
        File.WriteAllBytes(snapshot, File.ReadAllBytes(snapshot)[..50]);
        await FlipBlobOfAsync(snapshots[2].Id, "media/Images/photo-2.jpg");

        var check = await _fixture.CheckAsync(readData: true);
        Assert.Contains(check.Errors, e => e.Contains(Path.GetFileName(index), StringComparison.Ordinal));
        Assert.Contains(check.Errors, e => e.Contains(snapshots[0].Id, StringComparison.Ordinal));
        Assert.Contains(check.Errors, e => e.StartsWith("Corrupt object data/", StringComparison.Ordinal));
        Assert.Equal([snapshots[0].Id, snapshots[2].Id], check.DamagedSnapshots.Select(d => d.Id));

        string target = _fixture.NewFolder("restored");
        await _fixture.RestoreAsync(target, snapshots[1].Id);
        FolderAssert.Identical(snapshots[1].Copy, target);
    }

    [Fact]
    public async Task Prune_never_lets_the_good_copy_of_a_blob_go_because_a_damaged_copy_is_kept()
    {
        await _fixture.InitAsync();
        _fixture.WriteFile("media/x.jpg", RepositoryFixture.RandomBytes(400_000, 1));
        _fixture.WriteFile("media/a.jpg", RepositoryFixture.RandomBytes(50_000, 2));
        var first = await _fixture.BackupAsync();
        await FlipBlobOfAsync(first.SnapshotId, "media/a.jpg");
        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            await repository.CheckAsync(readData: true, _fixture.CacheFolder);
        }

        // The second backup stores a.jpg again, in a pack beside y.jpg; once y.jpg is gone, prune
        // rewrites that pack, while the first pack (x.jpg and the damaged a.jpg) is kept whole.
        _fixture.WriteFile("media/y.jpg", RepositoryFixture.RandomBytes(400_000, 3));
        var second = await _fixture.BackupAsync();
        File.Delete(Path.Combine(_fixture.Source, "media/y.jpg"));
        var third = await _fixture.BackupAsync();
        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            await repository.ForgetAsync([first.SnapshotId, second.SnapshotId], force: true);
            var pruned = await repository.PruneAsync();
            Assert.True(pruned.PacksRepacked > 0, "the second backup's pack was rewritten");
        }

        string target = _fixture.NewFolder("restored");
        await _fixture.RestoreAsync(target, third.SnapshotId);
        FolderAssert.Identical(_fixture.Source, target);
    }

    [Fact]
    public async Task Objects_sealed_under_another_key_beside_the_config_are_an_unfinished_rotation_never_damage_to_repair()
    {
        await ThreeSnapshotsAsync();

        // What a key rotation stopped between moving the new objects in and replacing the config
        // leaves: this config, and every other object sealed under another repository's keys.
        using var other = new RepositoryFixture();
        other.WriteFile("b.txt", "other"u8.ToArray());
        await other.InitAsync();
        await other.BackupAsync();
        foreach (string folder in new[] { "data", "index", "snapshots" })
        {
            Directory.Delete(Path.Combine(_fixture.RepositoryPath, folder), recursive: true);
            IncrementalTests.CopyFolder(Path.Combine(other.RepositoryPath, folder), Path.Combine(_fixture.RepositoryPath, folder));
        }

        var before = Directory.EnumerateFiles(_fixture.RepositoryPath, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var error = await Assert.ThrowsAsync<LockboxException>(() => Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key));
        Assert.Contains("key rotation", error.Message, StringComparison.Ordinal);
        Assert.IsNotType<CorruptObjectException>(error);
        Assert.Equal(before, Directory.EnumerateFiles(_fixture.RepositoryPath, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
    }

    private async Task FlipBlobOfAsync(string snapshotId, string path)
    {
        using var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key);
        var snapshot = await repository.FindSnapshotAsync(snapshotId);
        using var codec = new BlobCodec(repository.Keys);
        var entry = (await repository.ReadManifestAsync(snapshot.Snapshot, codec, CancellationToken.None)).Single(e => e.Path == path);
        Assert.True(repository.Index.TryGet(ContentElement.Parse(entry.Content![0]).Page, out var location));
        string pack = _fixture.PackPaths().Single(p => Path.GetFileName(p) == location.Value.Pack);
        byte[] bytes = File.ReadAllBytes(pack);
        bytes[location.Value.Entry.Offset + 40] ^= 0x01;
        File.WriteAllBytes(pack, bytes);
    }

    private async Task<string?> ParentOfAsync(string snapshotId)
    {
        using var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key);
        return (await repository.FindSnapshotAsync(snapshotId)).Snapshot.Parent;
    }

    private string SnapshotPath(string id) => Path.Combine(_fixture.RepositoryPath, "snapshots", id);

    private static void Sql(string database, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(string database, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public void Dispose() => _fixture.Dispose();
}
