using Lockbox.Repository;
using Xunit;

namespace Lockbox.Tests.Engine;

public sealed class BackupRestoreTests : IDisposable
{
    private readonly RepositoryFixture _fixture = new();

    [Fact]
    public async Task Empty_files_large_files_many_small_files_and_unicode_names_round_trip()
    {
        _fixture.WriteFile("empty.txt", []);
        _fixture.WriteFile("media/Video/large.mp4", RepositoryFixture.RandomBytes(21 * 1024 * 1024, seed: 1));
        for (int i = 0; i < 200; i++)
        {
            _fixture.WriteFile($"media/Images/IMG-{i:D4}.jpg", RepositoryFixture.RandomBytes(100 + i * 37, seed: 100 + i));
        }

        _fixture.WriteFile("media/Voice Notes/Grüße 👋 from Zoë.opus", RepositoryFixture.RandomBytes(5000, seed: 2));
        _fixture.WriteFile("media/日本語/写真.png", RepositoryFixture.RandomBytes(3000, seed: 3));
        Directory.CreateDirectory(Path.Combine(_fixture.Source, "media", "empty folder"));
        await _fixture.InitAsync();

        var backup = await _fixture.BackupAsync();
        string target = _fixture.NewFolder("restored");
        var restore = await _fixture.RestoreAsync(target);

        FolderAssert.Identical(_fixture.Source, target);
        Assert.True(Directory.Exists(Path.Combine(target, "media", "empty folder")));
        Assert.Equal(backup.Summary.Files, restore.Files);
        Assert.True(_fixture.PackPaths().Count >= 2, "21 MiB of media fills more than one 16 MiB pack");
    }

    [Fact]
    public async Task A_file_shorter_than_the_largest_chunk_is_one_blob_and_a_longer_one_is_cut()
    {
        _fixture.WriteFile("media/Images/photo.jpg", RepositoryFixture.RandomBytes(3 * 1024 * 1024, seed: 4));
        await _fixture.InitAsync();
        var photo = await _fixture.BackupAsync();

        // The photo's blob and the manifest's.
        Assert.Equal(2, photo.Summary.NewBlobs);

        _fixture.WriteFile("media/Video/video.mp4", RepositoryFixture.RandomBytes(12 * 1024 * 1024, seed: 5));
        var video = await _fixture.BackupAsync();

        // At most 4 MiB a chunk: at least three for the video, and the new manifest.
        Assert.True(video.Summary.NewBlobs >= 4, $"{video.Summary.NewBlobs} new blobs");
        string target = _fixture.NewFolder("restored");
        await _fixture.RestoreAsync(target);
        FolderAssert.Identical(_fixture.Source, target);
    }

    [Fact]
    public async Task Symlinks_are_skipped_with_a_warning()
    {
        _fixture.WriteFile("real.txt", "hello"u8.ToArray());
        File.CreateSymbolicLink(Path.Combine(_fixture.Source, "link.txt"), "real.txt");
        await _fixture.InitAsync();

        var backup = await _fixture.BackupAsync();
        Assert.Contains(backup.Summary.Skipped, s => s.StartsWith("link.txt", StringComparison.Ordinal) && s.Contains("symbolic link", StringComparison.Ordinal));

        string target = _fixture.NewFolder("restored");
        await _fixture.RestoreAsync(target);
        Assert.True(File.Exists(Path.Combine(target, "real.txt")));
        Assert.False(File.Exists(Path.Combine(target, "link.txt")));
    }

    [Fact]
    public async Task Selected_paths_restore_on_their_own()
    {
        _fixture.WriteFile("msgstore.txt", "db"u8.ToArray());
        _fixture.WriteFile("media/Images/a.jpg", RepositoryFixture.RandomBytes(1000, 1));
        _fixture.WriteFile("media/Video/b.mp4", RepositoryFixture.RandomBytes(1000, 2));
        await _fixture.InitAsync();
        await _fixture.BackupAsync();

        string target = _fixture.NewFolder("restored");
        await _fixture.RestoreAsync(target, "latest", "media/Images");

        Assert.True(File.Exists(Path.Combine(target, "media", "Images", "a.jpg")));
        Assert.False(File.Exists(Path.Combine(target, "media", "Video", "b.mp4")));
        Assert.False(File.Exists(Path.Combine(target, "msgstore.txt")));
    }

    [Fact]
    public async Task Restore_into_a_non_empty_folder_is_refused_and_touches_nothing()
    {
        _fixture.WriteFile("a.txt", "new"u8.ToArray());
        await _fixture.InitAsync();
        await _fixture.BackupAsync();
        string target = _fixture.NewFolder("existing");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "keep.txt"), "mine");

        await Assert.ThrowsAsync<LockboxException>(() => _fixture.RestoreAsync(target));
        Assert.Equal(["keep.txt"], Directory.EnumerateFileSystemEntries(target).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Restore_with_replace_swaps_the_whole_folder_so_no_stale_wal_or_shm_remains()
    {
        _fixture.WriteFile("msgstore.db.txt", "content"u8.ToArray());
        await _fixture.InitAsync();
        await _fixture.BackupAsync();
        string target = _fixture.NewFolder("phone");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "msgstore.db-wal"), "stale");
        File.WriteAllText(Path.Combine(target, "msgstore.db-shm"), "stale");

        using var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key);
        await repository.RestoreAsync(new Lockbox.Restore.RestoreRequest("latest", target) { ReplaceExisting = true });

        FolderAssert.Identical(_fixture.Source, target);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(target)!, "phone.lockbox-old-*"));
    }

    [Fact]
    public async Task Backup_with_wrong_key_reports_wrong_key_before_reading_anything()
    {
        await _fixture.InitAsync();
        using var wrong = Lockbox.Keys.BackupKey.Generate();
        var error = await Assert.ThrowsAsync<WrongKeyException>(() => Repository.Repository.OpenAsync(_fixture.Storage, wrong));
        Assert.Contains("wrong key", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Restore_with_wrong_key_reports_wrong_key_and_writes_nothing()
    {
        _fixture.WriteFile("a.txt", "secret chat"u8.ToArray());
        await _fixture.InitAsync();
        await _fixture.BackupAsync();
        string target = _fixture.NewFolder("restored");

        using var wrong = Lockbox.Keys.BackupKey.Generate();
        await Assert.ThrowsAsync<WrongKeyException>(async () =>
        {
            using var repository = await Repository.Repository.OpenAsync(_fixture.Storage, wrong);
            await repository.RestoreAsync(new Lockbox.Restore.RestoreRequest("latest", target));
        });
        Assert.False(Directory.Exists(target));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(target)!), p => p.Contains("restored", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Damaged_config_reports_config_damaged_not_wrong_key()
    {
        await _fixture.InitAsync();
        string config = Path.Combine(_fixture.RepositoryPath, "config");
        byte[] bytes = File.ReadAllBytes(config);
        bytes[20] ^= 0x01;
        File.WriteAllBytes(config, bytes);

        var error = await Assert.ThrowsAsync<ConfigDamagedException>(() => Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key));
        Assert.Contains("Config damaged", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bit_flipped_anywhere_in_the_config_reports_config_damaged_with_the_right_key_and_wrong_key_with_another()
    {
        await _fixture.InitAsync();
        string config = Path.Combine(_fixture.RepositoryPath, "config");
        byte[] intact = File.ReadAllBytes(config);
        using var wrong = Lockbox.Keys.BackupKey.Generate();

        // Every byte: the parameters (0-127), their checksum (128-159) and the key check (160-191).
        for (int at = 0; at < intact.Length; at++)
        {
            byte[] damaged = (byte[])intact.Clone();
            damaged[at] ^= (byte)(1 << (at % 8));
            File.WriteAllBytes(config, damaged);

            var error = await Assert.ThrowsAsync<ConfigDamagedException>(() => Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key));
            Assert.StartsWith("Config damaged", error.Message, StringComparison.Ordinal);
            var other = await Assert.ThrowsAnyAsync<LockboxException>(() => Repository.Repository.OpenAsync(_fixture.Storage, wrong));
            Assert.True(other is WrongKeyException or ConfigDamagedException, $"byte {at}: {other.GetType().Name}");
        }

        File.WriteAllBytes(config, intact);
        (await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key)).Dispose();
    }

    [Fact]
    public async Task Nothing_on_storage_contains_plaintext_or_the_file_names()
    {
        byte[] marker = "PLAINTEXT-MARKER-Zoë-chat-message-0123456789"u8.ToArray();
        _fixture.WriteFile("media/Images/holiday-photo-name.jpg", [.. marker, .. marker, .. marker]);
        await _fixture.InitAsync();
        await _fixture.BackupAsync();

        foreach (string file in Directory.EnumerateFiles(_fixture.RepositoryPath, "*", SearchOption.AllDirectories))
        {
            byte[] content = File.ReadAllBytes(file);
            Assert.True(content.AsSpan().IndexOf(marker.AsSpan(0, 16)) < 0, $"{file} holds plaintext");
            Assert.True(content.AsSpan().IndexOf("holiday-photo"u8) < 0, $"{file} holds a file name");
            Assert.DoesNotContain("holiday", file, StringComparison.Ordinal);
        }
    }

    public void Dispose() => _fixture.Dispose();
}
