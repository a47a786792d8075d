using System.Globalization;
using System.Text.Json;
using Lockbox.Chunking;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Restore;
using Lockbox.Standard;
using Lockbox.Storage;
using Xunit;

namespace Lockbox.Tests.Fixtures;

/// <summary>
/// The repositories written once by the format-v1 code (tests/fixtures) open, list, check and restore
/// with today's code exactly as recorded. A change to the format that alters writer and reader
/// together still fails here.
/// </summary>
public sealed class FrozenRepositoryTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public static TheoryData<string> Repositories => new() { "repo-v1", "repo-v1-rotated" };

    private (Repository.Repository Repository, JsonDocument Expected) Open(string name)
    {
        string copy = FrozenFixtures.CopyTo(name, _temp.Combine(name + "-" + Guid.NewGuid().ToString("N")));
        using var key = FrozenFixtures.Key(name + ".key");
        var repository = Repository.Repository.OpenAsync(new LocalStorage(copy), key).GetAwaiter().GetResult();
        return (repository, FrozenFixtures.Json(name + ".expected.json"));
    }

    [Theory]
    [MemberData(nameof(Repositories))]
    public async Task Frozen_repository_v1_restores_every_snapshot_byte_identical(string name)
    {
        var (repository, expected) = Open(name);
        using (repository)
        using (expected)
        {
            var snapshots = expected.RootElement.GetProperty("snapshots").EnumerateArray().ToList();
            Assert.NotEmpty(snapshots);
            foreach (var snapshot in snapshots)
            {
                string id = snapshot.GetProperty("id").GetString()!;
                string target = _temp.Combine("restore-" + Guid.NewGuid().ToString("N"));
                var result = await repository.RestoreAsync(new RestoreRequest(id, target));

                Assert.Equal(id, result.SnapshotId);
                Assert.Equal(FrozenFixtures.ExpectedListing(snapshot, withModes: true), FrozenFixtures.Listing(target, withModes: true));
                Directory.Delete(target, recursive: true);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Repositories))]
    public async Task Frozen_repository_v1_lists_its_snapshots_as_recorded(string name)
    {
        var (repository, expected) = Open(name);
        using (repository)
        using (expected)
        {
            Assert.Equal(expected.RootElement.GetProperty("repository").GetString(), repository.Id);
            var listed = await repository.ListSnapshotsAsync();
            var recorded = expected.RootElement.GetProperty("snapshots").EnumerateArray().ToList();
            Assert.Equal(recorded.Select(s => s.GetProperty("id").GetString()), listed.Select(s => s.Id));
            for (int i = 0; i < listed.Count; i++)
            {
                var snapshot = listed[i].Snapshot;
                Assert.Equal(DateTimeOffset.Parse(recorded[i].GetProperty("time").GetString()!, CultureInfo.InvariantCulture), snapshot.Time);
                Assert.Equal(recorded[i].GetProperty("hostname").GetString(), snapshot.Hostname);
                Assert.Equal(recorded[i].GetProperty("tags").EnumerateArray().Select(t => t.GetString()), snapshot.Tags);
                Assert.Equal(recorded[i].GetProperty("manifestBlobs").GetInt32(), snapshot.Manifest.Count);
                Assert.Equal(1, snapshot.Version);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Repositories))]
    public async Task Frozen_repository_v1_checks_healthy_structurally_and_reading_every_blob(string name)
    {
        var (repository, expected) = Open(name);
        using (repository)
        using (expected)
        {
            int snapshots = expected.RootElement.GetProperty("snapshots").GetArrayLength();
            foreach (bool readData in new[] { false, true })
            {
                var check = await repository.CheckAsync(readData);
                Assert.True(check.IsHealthy, string.Join("; ", check.Errors));
                Assert.Empty(check.Warnings);
                Assert.Equal(snapshots, check.Snapshots);
                Assert.True(check.Packs > 0);
                if (readData)
                {
                    Assert.True(check.BlobsRead > 0);
                }
            }
        }
    }

    [Fact]
    public async Task Frozen_repository_v1_covers_page_deltas_a_chunked_file_a_multi_blob_manifest_and_three_snapshots()
    {
        var (repository, expected) = Open("repo-v1");
        using (repository)
        using (expected)
        {
            var snapshots = await repository.ListSnapshotsAsync();
            Assert.True(snapshots.Count >= 3);
            using var codec = new BlobCodec(repository.Keys);
            int snapshotsWithDeltas = 0;
            bool chunkedFile = false;
            foreach (var snapshot in snapshots)
            {
                var manifest = await repository.ReadManifestAsync(snapshot.Snapshot, codec, CancellationToken.None);
                if (manifest.Any(e => e.IsSqliteDatabase && e.Content!.Any(c => ContentElement.Parse(c).IsDelta)))
                {
                    snapshotsWithDeltas++;
                }

                chunkedFile |= manifest.Any(e => !e.IsSqliteDatabase && e.Size > ChunkerParameters.Default.MaxSize && e.Content!.Count > 1);
            }

            Assert.True(snapshotsWithDeltas >= 2, $"{snapshotsWithDeltas} snapshots store page deltas");
            Assert.True(chunkedFile, "no file over 4 MiB is cut into chunks");
            Assert.Contains(snapshots, s => s.Snapshot.Manifest.Count > 1);
            Assert.Contains(snapshots, s => s.Snapshot.Tags.Any(t => t.StartsWith("imported-from-standard:", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task Rotated_repository_refuses_the_old_key_as_wrong_key_and_the_old_repository_refuses_the_new_one()
    {
        using var oldKey = FrozenFixtures.Key("repo-v1.key");
        using var newKey = FrozenFixtures.Key("repo-v1-rotated.key");
        Assert.NotEqual(oldKey.ToDisplayString(), newKey.ToDisplayString());
        string rotated = FrozenFixtures.CopyTo("repo-v1-rotated", _temp.Combine("rotated"));
        string old = FrozenFixtures.CopyTo("repo-v1", _temp.Combine("old"));

        await Assert.ThrowsAsync<WrongKeyException>(() => Repository.Repository.OpenAsync(new LocalStorage(rotated), oldKey));
        await Assert.ThrowsAsync<WrongKeyException>(() => Repository.Repository.OpenAsync(new LocalStorage(old), newKey));

        // A rotation makes a new repository: a new id and a new master key, not the old one re-wrapped.
        using var before = await Repository.Repository.OpenAsync(new LocalStorage(old), oldKey);
        using var after = await Repository.Repository.OpenAsync(new LocalStorage(rotated), newKey);
        Assert.NotEqual(before.Id, after.Id);
    }

    [Fact]
    public async Task Frozen_standard_backup_v1_lists_verifies_and_restores_byte_identical()
    {
        string copy = FrozenFixtures.CopyTo("standard-v1", _temp.Combine("standard"));
        var standard = new StandardBackups(new LocalStorage(copy));
        using var expected = FrozenFixtures.Json("standard-v1.expected.json");
        var recorded = expected.RootElement.GetProperty("snapshots").EnumerateArray().ToList();

        var listed = await standard.ListAsync();
        Assert.Equal(recorded.Select(s => s.GetProperty("id").GetString()), listed.Select(s => s.Id));
        await standard.VerifyAsync(listed);
        for (int i = 0; i < listed.Count; i++)
        {
            Assert.Equal(DateTimeOffset.Parse(recorded[i].GetProperty("time").GetString()!, CultureInfo.InvariantCulture), listed[i].Snapshot.Time);
            Assert.Equal(recorded[i].GetProperty("hostname").GetString(), listed[i].Snapshot.Hostname);
            string target = _temp.Combine("restore-" + Guid.NewGuid().ToString("N"));
            await standard.RestoreAsync(listed[i], target);
            Assert.Equal(FrozenFixtures.ExpectedListing(recorded[i], withModes: false), FrozenFixtures.Listing(target, withModes: false));
        }
    }

    [Fact]
    public void Frozen_repository_v1_holds_exactly_the_files_the_local_folder_layout_names()
    {
        foreach (string name in new[] { "repo-v1", "repo-v1-rotated" })
        {
            string root = FrozenFixtures.PathOf(name);
            foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            {
                string relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                Assert.Matches(@"^(config|data/([0-9a-f]{2})/\2[0-9a-f]{62}|index/[0-9a-f]{64}|snapshots/[0-9a-f]{64})$", relative);
            }
        }

        foreach (string file in Directory.EnumerateFiles(FrozenFixtures.PathOf("standard-v1"), "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(FrozenFixtures.PathOf("standard-v1"), file).Replace('\\', '/');
            Assert.Matches(@"^standard/(snapshots/[0-9a-f]{32}|files/([0-9a-f]{2})/\2[0-9a-f]{62})$", relative);
        }
    }

    public void Dispose() => _temp.Dispose();
}
