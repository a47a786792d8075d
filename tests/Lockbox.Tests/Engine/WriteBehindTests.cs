using Lockbox.Restore;
using Xunit;

namespace Lockbox.Tests.Engine;

/// <summary>The restore's writer threads and file handles: every run lands where it belongs, each file is reported complete once, and a failed write fails the restore.</summary>
public sealed class WriteBehindTests : IDisposable
{
    private const int BufferSize = 1024 * 1024;
    private readonly TempFolder _staging = new();

    private readonly System.Collections.Concurrent.ConcurrentBag<string> _completed = [];

    private Restorer.PassContext Context(params (string Path, long Size)[] files) => new(
        _staging.Path,
        new FileHandleCache(files.ToDictionary(f => Path.Combine(_staging.Path, f.Path), f => f.Size, StringComparer.Ordinal), _completed.Add),
        new DeltaStore(_staging.Path),
        [],
        files.Sum(f => f.Size));

    [Fact]
    public void Runs_of_many_files_are_all_written_at_their_offsets_once_complete_returns()
    {
        var expected = new Dictionary<string, byte[]>
        {
            ["a.bin"] = RepositoryFixture.RandomBytes(3 * 8192, 1),
            ["b.bin"] = RepositoryFixture.RandomBytes(5 * 8192 + 100, 2),
        };
        var context = Context([.. expected.Select(e => (e.Key, (long)e.Value.Length))]);
        using (context.Files)
        using (context.Deltas)
        using (var writes = new WriteBehind(context, buffers: 2, BufferSize, writers: 2))
        {
            // In 8 KiB runs, the files interleaved and each file's runs back to front.
            var runs = expected.SelectMany(e => Enumerable.Range(0, (e.Value.Length + 8191) / 8192).Reverse().Select(i => (e.Key, Offset: i * 8192)))
                .OrderBy(r => r.Offset).ThenBy(r => r.Key);
            foreach (var (path, offset) in runs)
            {
                var data = expected[path].AsSpan(offset, Math.Min(8192, expected[path].Length - offset));
                var buffer = writes.Rent();
                data.CopyTo(buffer.Span);
                writes.Submit(path, buffer, 0, data.Length, offset);
            }

            writes.Complete();
        }

        foreach (var (path, bytes) in expected)
        {
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(_staging.Path, path)));
        }

        // Each reported complete once, when its last run was written.
        Assert.Equal(expected.Keys.Select(p => Path.Combine(_staging.Path, p)).Order(), _completed.Order());
    }

    [Fact]
    public void A_file_is_complete_once_its_last_byte_is_written_and_an_empty_one_once_created()
    {
        string photo = Path.Combine(_staging.Path, "photo.jpg");
        string empty = Path.Combine(_staging.Path, "empty.txt");
        using var files = new FileHandleCache(new Dictionary<string, long> { [photo] = 10_000, [empty] = 0 }, _completed.Add);
        byte[] content = RepositoryFixture.RandomBytes(10_000, 3);

        files.Write(photo, content.AsSpan(4096), 4096);
        Assert.Empty(_completed);
        files.Write(photo, content.AsSpan(0, 4096), 0);
        Assert.Equal([photo], _completed);

        files.CreateUnwritten();
        Assert.Equal([empty, photo], _completed.Order());
        Assert.Equal(content, File.ReadAllBytes(photo));
        Assert.Equal(0, new FileInfo(empty).Length);
    }

    [Fact]
    public void A_file_created_ahead_is_at_its_full_size_and_its_writes_land_in_it()
    {
        string photo = Path.Combine(_staging.Path, "photo.jpg");
        using var files = new FileHandleCache(new Dictionary<string, long> { [photo] = 10_000 }, _completed.Add);
        byte[] content = RepositoryFixture.RandomBytes(10_000, 4);

        files.CreateAhead(photo);
        Assert.Equal(10_000, new FileInfo(photo).Length);
        files.CreateAhead(photo);

        files.Write(photo, content, 0);
        Assert.Equal([photo], _completed);
        Assert.Equal(content, File.ReadAllBytes(photo));
    }

    [Fact]
    public void A_file_that_could_not_be_created_ahead_fails_its_first_write_with_the_cause()
    {
        // Its folder was never created.
        string database = Path.Combine(_staging.Path, "no-such-folder", "msgstore.db");
        using var files = new FileHandleCache(new Dictionary<string, long> { [database] = 4096 }, _completed.Add);

        files.CreateAhead(database);

        Assert.Throws<DirectoryNotFoundException>(() => files.Write(database, new byte[4096], 0));
        Assert.Empty(_completed);
    }

    [Fact]
    public void A_failed_write_is_thrown_by_complete_and_by_every_later_rent()
    {
        // The file's folder was never created, so its first write cannot create it.
        var context = Context(("no-such-folder/msgstore.db", 4096));
        using (context.Files)
        using (context.Deltas)
        using (var writes = new WriteBehind(context, buffers: 1, BufferSize, writers: 1))
        {
            var buffer = writes.Rent();
            buffer.Span[..4096].Fill(7);
            writes.Submit("no-such-folder/msgstore.db", buffer, 0, 4096, 0);

            Assert.Throws<DirectoryNotFoundException>(writes.Complete);
            Assert.Throws<DirectoryNotFoundException>(() => writes.Rent());
        }
    }

    public void Dispose() => _staging.Dispose();
}
