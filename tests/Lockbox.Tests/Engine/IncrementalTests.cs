using Xunit;

namespace Lockbox.Tests.Engine;

public sealed class IncrementalTests : IDisposable
{
    private readonly RepositoryFixture _fixture = new();

    [Fact]
    public async Task Unchanged_store_backs_up_again_without_uploading_its_data()
    {
        _fixture.WriteFile("media/Video/a.mp4", RepositoryFixture.RandomBytes(6 * 1024 * 1024, 1));
        _fixture.WriteFile("notes.txt", "hello"u8.ToArray());
        await _fixture.InitAsync();
        var first = await _fixture.BackupAsync();
        var second = await _fixture.BackupAsync();

        Assert.True(first.Summary.NewBytes >= 6 * 1024 * 1024);
        Assert.Equal(0, second.Summary.NewBlobs);
        Assert.True(second.Summary.UploadedBytes < 10_000, $"uploaded {second.Summary.UploadedBytes} bytes");
    }

    [Fact]
    public async Task Changing_one_file_uploads_only_that_change_and_both_snapshots_restore()
    {
        byte[] video = RepositoryFixture.RandomBytes(8 * 1024 * 1024, 1);
        _fixture.WriteFile("media/Video/a.mp4", video);
        _fixture.WriteFile("media/Images/b.jpg", RepositoryFixture.RandomBytes(2 * 1024 * 1024, 2));
        await _fixture.InitAsync();
        var first = await _fixture.BackupAsync();
        string firstCopy = _fixture.NewFolder("first-source");
        CopyFolder(_fixture.Source, firstCopy);

        // Insert 100 bytes into the middle of the video: content-defined chunking re-aligns after it.
        byte[] edited = [.. video.AsSpan(0, 4_000_000), .. RepositoryFixture.RandomBytes(100, 9), .. video.AsSpan(4_000_000)];
        _fixture.WriteFile("media/Video/a.mp4", edited);
        var second = await _fixture.BackupAsync();

        Assert.True(second.Summary.NewBytes < 3 * 1024 * 1024, $"re-stored {second.Summary.NewBytes} bytes of an 8 MiB file for a 100-byte insert");

        string latest = _fixture.NewFolder("latest");
        await _fixture.RestoreAsync(latest, second.SnapshotId);
        FolderAssert.Identical(_fixture.Source, latest);
        string earlier = _fixture.NewFolder("earlier");
        await _fixture.RestoreAsync(earlier, first.SnapshotId);
        FolderAssert.Identical(firstCopy, earlier);
    }

    [Fact]
    public async Task Identical_content_under_two_names_is_stored_once()
    {
        byte[] photo = RepositoryFixture.RandomBytes(3 * 1024 * 1024, 5);
        _fixture.WriteFile("media/Images/a.jpg", photo);
        _fixture.WriteFile("media/Sent/a-copy.jpg", photo);
        await _fixture.InitAsync();
        var backup = await _fixture.BackupAsync();
        Assert.True(backup.Summary.NewBytes < 4 * 1024 * 1024);
    }

    internal static void CopyFolder(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string destination = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
    }

    public void Dispose() => _fixture.Dispose();
}
