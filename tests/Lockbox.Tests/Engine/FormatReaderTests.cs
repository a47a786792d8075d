using System.Text;
using Lockbox.Backup;
using Lockbox.Crypto;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Storage;
using Xunit;
using ZstdSharp;

namespace Lockbox.Tests.Engine;

/// <summary>The reader rules of docs/FORMAT.md that a safe reader needs beyond authentication: paths, sizes, framing, names.</summary>
public sealed class FormatReaderTests : IDisposable
{
    private static readonly ObjectName Pack = new(ObjectKind.Pack, new string('a', 64));
    private readonly RepositoryFixture _fixture = new();
    private readonly MasterKeys _keys = new(RepositoryFixture.RandomBytes(32, 1), RepositoryFixture.RandomBytes(32, 2));

    [Theory]
    [InlineData("../escape.txt")]
    [InlineData("chats/../../escape.txt")]
    public async Task Restore_refuses_a_manifest_path_with_dotdot_and_writes_nothing(string path)
    {
        string snapshot = await BackUpWithPathAsync(path);
        string target = _fixture.NewFolder("restored");

        var error = await Assert.ThrowsAsync<LockboxException>(() => _fixture.RestoreAsync(target, snapshot));

        Assert.Contains("unsafe path", error.Message);
        Assert.False(Directory.Exists(target));
        Assert.False(File.Exists(_fixture.NewFolder("escape.txt")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(target)!, ".restored.lockbox-restore-*"));
    }

    [Fact]
    public async Task Restore_refuses_an_absolute_manifest_path_and_writes_nothing()
    {
        string outside = _fixture.NewFolder("absolute.txt");
        string snapshot = await BackUpWithPathAsync(outside);
        string target = _fixture.NewFolder("restored");

        await Assert.ThrowsAsync<LockboxException>(() => _fixture.RestoreAsync(target, snapshot));

        Assert.False(Directory.Exists(target));
        Assert.False(File.Exists(outside));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/etc/passwd")]
    [InlineData("a//b")]
    [InlineData("a/")]
    [InlineData("./a")]
    [InlineData("a/.")]
    [InlineData("a/..")]
    [InlineData("..")]
    [InlineData("a\u0000b")]
    public void A_manifest_with_an_unsafe_path_is_refused(string path)
    {
        byte[] manifest = Manifest.Write([Entry(path)]).WrittenSpan.ToArray();

        var error = Assert.Throws<LockboxException>(() => Manifest.Parse(manifest));
        Assert.Contains("unsafe path", error.Message);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("chats/2024/photo 1.jpg")]
    [InlineData("..hidden/...")]
    [InlineData("Ünïcødé/😀")]
    public void A_manifest_with_safe_paths_is_read(string path)
    {
        byte[] manifest = Manifest.Write([Entry(path)]).WrittenSpan.ToArray();

        Assert.Equal(path, Assert.Single(Manifest.Parse(manifest)).Path);
    }

    [Fact]
    public void A_manifest_that_lists_a_path_twice_is_refused()
    {
        byte[] manifest = Manifest.Write([Entry("a"), Entry("b"), Entry("a")]).WrittenSpan.ToArray();

        var error = Assert.Throws<LockboxException>(() => Manifest.Parse(manifest));
        Assert.Contains("twice", error.Message);
    }

    [Fact]
    public void A_delta_blob_is_stored_raw_even_when_it_would_compress()
    {
        byte[] delta = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("compressible ", 200)));
        using var codec = new BlobCodec(_keys);

        var blob = codec.Seal(_keys.ComputeId(delta), BlobType.Delta, BlobBuffers.RentForSealing(delta), delta.Length);

        Assert.Equal(BlobEncoding.Raw, blob.Encoding);
        Assert.Equal(delta.Length + Aead.Overhead, blob.SealedLength);
        BlobBuffers.Pool.Return(blob.Sealed);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(9)]
    public void A_zstd_blob_with_trailing_bytes_is_reported_corrupt_naming_pack_and_blob(int trailing)
    {
        byte[] plaintext = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("see you at eight ", 100)));
        using var compressor = new Compressor(3);
        byte[] encoded = [.. compressor.Wrap(plaintext).ToArray(), .. new byte[trailing]];
        var id = _keys.ComputeId(plaintext);
        var stored = SealAs(id, BlobEncoding.Zstd, encoded);
        var entry = new PackEntry(id, BlobType.Data, BlobEncoding.Zstd, 0, (uint)stored.Length, (uint)plaintext.Length);
        using var codec = new BlobCodec(_keys);

        var error = Assert.Throws<CorruptObjectException>(() => codec.Open(stored, entry, Pack));
        Assert.Equal(id, error.Blob);
    }

    [Fact]
    public void A_page_delta_uses_its_base_as_raw_content_even_when_the_base_starts_with_the_dictionary_magic()
    {
        byte[] basePage = RepositoryFixture.RandomBytes(4096, 5);
        basePage[0] = 0x37;
        basePage[1] = 0xA4;
        basePage[2] = 0x30;
        basePage[3] = 0xEC;
        byte[] page = (byte[])basePage.Clone();
        page[1000] ^= 0xFF;
        using var zstd = new RawDictionaryZstd();
        byte[] delta = new byte[Compressor.GetCompressBound(page.Length)];

        int length = zstd.Compress(page, basePage, delta);
        byte[] rebuilt = new byte[page.Length];

        Assert.True(length < page.Length / 2, $"a one-byte change gave a {length}-byte delta");
        Assert.True(zstd.TryDecompress(delta.AsSpan(0, length), basePage, rebuilt, out int written));
        Assert.Equal(page.Length, written);
        Assert.Equal(page, rebuilt);
        Assert.False(zstd.TryDecompress(delta.AsSpan(0, length), new byte[4096], rebuilt, out _) && rebuilt.AsSpan().SequenceEqual(page));
    }

    [Fact]
    public void A_snapshot_whose_json_would_exceed_the_limit_is_reported_corrupt()
    {
        string name = ObjectIds.NewName();
        using var compressor = new Compressor(1);
        byte[] huge = compressor.Wrap(new byte[SnapshotFile.MaxJsonLength + 1]).ToArray();
        byte[] sealedSnapshot = _keys.Metadata.Seal(huge, [.. "lockbox/v1/snapshot"u8, .. Convert.FromHexString(name)]);

        Assert.Throws<CorruptObjectException>(() => SnapshotFile.Open(sealedSnapshot, new ObjectName(ObjectKind.Snapshot, name), _keys.Metadata));
    }

    [Fact]
    public async Task Objects_the_format_does_not_name_are_ignored_and_never_deleted()
    {
        _fixture.WriteFile("note.txt", "hello"u8.ToArray());
        await _fixture.InitAsync();
        await _fixture.BackupAsync();
        string[] strays =
        [
            "snapshots/README",
            "snapshots/" + new string('A', 64),
            "index/" + new string('0', 63),
            "locks/notes.txt",
            "data/zz/" + new string('1', 64),
            "data/" + new string('2', 64),
        ];
        foreach (string stray in strays)
        {
            string path = Path.Combine(_fixture.RepositoryPath, stray);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "not Lockbox's");
        }

        foreach (var kind in new[] { ObjectKind.Pack, ObjectKind.Index, ObjectKind.Snapshot, ObjectKind.Lock })
        {
            await foreach (var item in _fixture.Storage.ListAsync(kind))
            {
                Assert.DoesNotContain(item.Name.Path, strays);
            }
        }

        string target = _fixture.NewFolder("restored");
        await _fixture.RestoreAsync(target);
        await _fixture.BackupAsync();
        using (var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key))
        {
            await repository.ForgetAsync(new Retention.RetentionPolicy(KeepLast: 1));
            await repository.PruneAsync();
        }

        FolderAssert.Identical(_fixture.Source, target);
        Assert.All(strays, stray => Assert.True(File.Exists(Path.Combine(_fixture.RepositoryPath, stray)), stray));
    }

    /// <summary>A snapshot of one file whose manifest names it at <paramref name="path"/>, as a broken or hostile key holder might write.</summary>
    private async Task<string> BackUpWithPathAsync(string path)
    {
        _fixture.WriteFile("note.txt", "hello"u8.ToArray());
        await _fixture.InitAsync();
        await _fixture.BackupAsync();
        using var repository = await Repository.Repository.OpenAsync(_fixture.Storage, _fixture.Key);
        var original = (await repository.ListSnapshotsAsync())[^1];
        byte[] manifest;
        using (var codec = new BlobCodec(repository.Keys))
        {
            var entries = await repository.ReadManifestAsync(original.Snapshot, codec, CancellationToken.None);
            manifest = Manifest.Write(entries.Select(e => e with { Path = path })).WrittenSpan.ToArray();
        }

        var id = repository.Keys.ComputeId(manifest);
        var uploader = new BlobUploader(repository, CancellationToken.None);
        await uploader.AddAsync(id, BlobType.Tree, BlobBuffers.RentForSealing(manifest), manifest.Length);
        await uploader.CompleteAsync();
        return await repository.SaveSnapshotAsync(original.Snapshot with { Manifest = [id.ToString()] }, CancellationToken.None);
    }

    private static FileEntry Entry(string path) => new() { Path = path, Type = FileEntry.FileType, Content = [] };

    private byte[] SealAs(BlobId id, BlobEncoding encoding, byte[] encoded)
    {
        var entry = new PackEntry(id, BlobType.Data, encoding, 0, 0, 0);
        byte[] aad = new byte[PackEntry.AssociatedDataLength];
        entry.WriteAssociatedData(aad);
        return _keys.Blobs.Seal(encoded, aad);
    }

    public void Dispose()
    {
        _keys.Dispose();
        _fixture.Dispose();
    }
}
