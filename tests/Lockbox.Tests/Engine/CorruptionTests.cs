using Lockbox.Repository;
using Xunit;

namespace Lockbox.Tests.Engine;

/// <summary>Every kind of damage is detected with an error naming the object, and no partial output.</summary>
public sealed class CorruptionTests : IDisposable
{
    private readonly RepositoryFixture _fixture = new();

    private async Task<string> BackUpSampleAsync()
    {
        _fixture.WriteFile("media/Images/a.jpg", RepositoryFixture.RandomBytes(300_000, 1));
        _fixture.WriteFile("chat.txt", System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("hello from the chat ", 5000))));
        await _fixture.InitAsync();
        await _fixture.BackupAsync();
        return Assert.Single(_fixture.PackPaths());
    }

    private async Task AssertRestoreFailsCleanly<TException>(string expectedInMessage)
        where TException : Exception
    {
        string target = _fixture.NewFolder("restored");
        var error = await Assert.ThrowsAsync<TException>(() => _fixture.RestoreAsync(target));
        Assert.Contains(expectedInMessage, error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target), "a failed restore must leave no output");
        Assert.Empty(Directory.EnumerateDirectories(Path.GetDirectoryName(target)!, ".restored.lockbox-restore-*"));
    }

    private static string PackName(string path) => Path.GetFileName(path);

    [Fact]
    public async Task Flipped_bit_in_a_pack_is_detected_by_restore_and_check_naming_the_pack()
    {
        string pack = await BackUpSampleAsync();
        byte[] bytes = File.ReadAllBytes(pack);
        bytes[100] ^= 0x04;
        File.WriteAllBytes(pack, bytes);

        await AssertRestoreFailsCleanly<CorruptObjectException>(PackName(pack));
        var check = await _fixture.CheckAsync(readData: true);
        Assert.False(check.IsHealthy);
        Assert.Contains(check.Errors, e => e.Contains(PackName(pack), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Truncated_pack_is_detected_naming_the_pack()
    {
        string pack = await BackUpSampleAsync();
        byte[] bytes = File.ReadAllBytes(pack);
        File.WriteAllBytes(pack, bytes[..(bytes.Length / 2)]);

        await AssertRestoreFailsCleanly<CorruptObjectException>(PackName(pack));
        var check = await _fixture.CheckAsync(readData: false);
        Assert.Contains(check.Errors, e => e.Contains(PackName(pack), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Missing_pack_is_reported_naming_the_pack()
    {
        string pack = await BackUpSampleAsync();
        File.Delete(pack);

        await AssertRestoreFailsCleanly<MissingDataException>(PackName(pack));
        var check = await _fixture.CheckAsync(readData: false);
        Assert.Contains(check.Errors, e => e.Contains(PackName(pack), StringComparison.Ordinal) && e.Contains("missing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Swapped_blobs_fail_authentication()
    {
        // Two files of equal size give two blobs of equal stored size; swap them inside the pack.
        _fixture.WriteFile("a.bin", RepositoryFixture.RandomBytes(200_000, 1));
        _fixture.WriteFile("b.bin", RepositoryFixture.RandomBytes(200_000, 2));
        await _fixture.InitAsync();
        await _fixture.BackupAsync();
        string pack = Assert.Single(_fixture.PackPaths());
        int blobLength = 200_000 + 28;
        List<uint> offsets;
        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            offsets = [.. repository.Index.ByPack().Single().Value.Where(e => e.StoredLength == blobLength).Select(e => e.Offset)];
        }

        Assert.Equal(2, offsets.Count);
        byte[] bytes = File.ReadAllBytes(pack);
        byte[] first = bytes.AsSpan((int)offsets[0], blobLength).ToArray();
        bytes.AsSpan((int)offsets[1], blobLength).CopyTo(bytes.AsSpan((int)offsets[0]));
        first.CopyTo(bytes, (int)offsets[1]);
        File.WriteAllBytes(pack, bytes);

        await AssertRestoreFailsCleanly<CorruptObjectException>(PackName(pack));
        var check = await _fixture.CheckAsync(readData: true);
        Assert.True(2 == check.Errors.Count(e => e.Contains("failed authentication", StringComparison.Ordinal)), string.Join("\n", check.Errors));
    }

    [Fact]
    public async Task Tampered_snapshot_is_detected_naming_the_snapshot()
    {
        await BackUpSampleAsync();
        string snapshot = Assert.Single(Directory.GetFiles(Path.Combine(_fixture.RepositoryPath, "snapshots")));
        byte[] bytes = File.ReadAllBytes(snapshot);
        bytes[^5] ^= 0x80;
        File.WriteAllBytes(snapshot, bytes);

        await AssertRestoreFailsCleanly<CorruptObjectException>(Path.GetFileName(snapshot));
        var check = await _fixture.CheckAsync(readData: false);
        Assert.Contains(check.Errors, e => e.Contains(Path.GetFileName(snapshot), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tampered_index_is_named_by_check_and_the_restore_still_succeeds_from_the_pack_headers()
    {
        await BackUpSampleAsync();
        string index = Assert.Single(Directory.GetFiles(Path.Combine(_fixture.RepositoryPath, "index")));
        byte[] bytes = File.ReadAllBytes(index);
        bytes[30] ^= 0x01;
        File.WriteAllBytes(index, bytes);

        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            var damaged = Assert.Single(repository.DamagedIndexFiles);
            Assert.Equal(Path.GetFileName(index), damaged.Name.Name);
        }

        var check = await _fixture.CheckAsync(readData: true);
        Assert.Contains(check.Errors, e => e.Contains(Path.GetFileName(index), StringComparison.Ordinal));
        Assert.Empty(check.DamagedSnapshots);
        string restored = _fixture.NewFolder("restored");
        await _fixture.RestoreAsync(restored);
        FolderAssert.Identical(_fixture.Source, restored);
    }

    [Fact]
    public async Task Snapshot_renamed_to_another_name_fails_authentication()
    {
        await BackUpSampleAsync();
        string snapshot = Assert.Single(Directory.GetFiles(Path.Combine(_fixture.RepositoryPath, "snapshots")));
        File.Move(snapshot, Path.Combine(Path.GetDirectoryName(snapshot)!, new string('0', 64)));

        await Assert.ThrowsAsync<CorruptObjectException>(() => _fixture.RestoreAsync(_fixture.NewFolder("restored")));
    }

    [Fact]
    public async Task Healthy_repository_passes_check_with_read_data()
    {
        await BackUpSampleAsync();
        var check = await _fixture.CheckAsync(readData: true);
        Assert.True(check.IsHealthy, string.Join("\n", check.Errors));
        Assert.True(check.BlobsRead > 0);
    }

    public void Dispose() => _fixture.Dispose();
}
