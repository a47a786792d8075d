using Lockbox.Crypto;
using Lockbox.Repository;
using Xunit;

namespace Lockbox.Tests.Engine;

public sealed class DiskIndexTests : IDisposable
{
    private readonly RepositoryFixture _fixture = new();

    private static PackEntry Entry(int seed, uint offset) =>
        new(new BlobId(RepositoryFixture.RandomBytes(32, seed)), BlobType.Data, BlobEncoding.Raw, offset, 100, 72);

    [Fact]
    public void Index_past_its_threshold_moves_to_disk_and_finds_every_blob()
    {
        using var index = new BlobIndex(spillThreshold: 100);
        var packs = Enumerable.Range(0, 30).Select(p => (Name: p.ToString("x64", System.Globalization.CultureInfo.InvariantCulture), Entries: Enumerable.Range(p * 50, 50).Select(i => Entry(i, (uint)i)).ToList())).ToList();
        foreach (var (name, entries) in packs)
        {
            index.AddPack(name, entries);
        }

        Assert.True(index.IsOnDisk);
        Assert.Equal(1500, index.Count);
        foreach (var (name, entries) in packs)
        {
            foreach (var entry in entries)
            {
                Assert.True(index.TryGet(entry.Id, out var location));
                Assert.Equal(entry, location.Value.Entry);
            }
        }

        Assert.False(index.Contains(new BlobId(new byte[32])));
        Assert.Equal(1500, index.ByPack().Values.Sum(l => l.Count));
    }

    [Fact]
    public async Task Backup_and_restore_work_with_the_index_on_disk()
    {
        for (int i = 0; i < 40; i++)
        {
            _fixture.WriteFile($"media/{i}.bin", RepositoryFixture.RandomBytes(1000 + i, i));
        }

        await _fixture.InitAsync();
        await _fixture.BackupAsync();
        _fixture.WriteFile("media/new.bin", RepositoryFixture.RandomBytes(5000, 99));
        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key, indexSpillThreshold: 10, CancellationToken.None))
        {
            Assert.True(repository.Index.IsOnDisk);
            var second = await repository.BackupAsync(new Lockbox.Backup.BackupRequest(_fixture.Source) { Hostname = "test-phone" });
            Assert.Equal(2, second.Summary.NewBlobs); // the new file and the new manifest
        }

        string target = _fixture.NewFolder("restored");
        await _fixture.RestoreAsync(target);
        FolderAssert.Identical(_fixture.Source, target);
    }

    public void Dispose() => _fixture.Dispose();
}
