using Lockbox.Fuzzing;
using Lockbox.Repository;
using Lockbox.Restore;
using Lockbox.Storage;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace Lockbox.Tests.Engine;

/// <summary>
/// Corruption at rest: a tiny repository (text, media, an empty file, a folder and an SQLite
/// database), every stored object kind, one bit flipped at a time. Each flip must be caught by
/// <c>check --read-data</c> and by restore with an error naming the damaged object, and a restore
/// that fails leaves no output. Two regions are not authenticated by design (docs/FORMAT.md §6):
/// a pack's random padding, which nothing reads, and a pack's header, which restore does not read
/// (it locates blobs through the index) but check does; flips there must leave restore
/// byte-identical. CI flips a fixed-seed sample; LOCKBOX_BITFLIP_FULL=1 (tests/bitflip-full.sh)
/// flips every bit of every object.
/// </summary>
public sealed class BitFlipTests(ITestOutputHelper output) : IDisposable
{
    private const int SampleSeed = 6;

    private static readonly Dictionary<ObjectKind, int> SampleFlips = new()
    {
        [ObjectKind.Config] = 48,
        [ObjectKind.Pack] = 160,
        [ObjectKind.Index] = 48,
        [ObjectKind.Snapshot] = 48,
        [ObjectKind.Lock] = 24,
    };

    private readonly RepositoryFixture _fixture = new();

    private static bool Full => Environment.GetEnvironmentVariable("LOCKBOX_BITFLIP_FULL") == "1";

    [Fact]
    public Task Every_flipped_bit_of_the_config_is_detected_and_named() => SweepAsync(ObjectKind.Config);

    [Fact]
    public Task Every_flipped_bit_of_a_pack_is_detected_and_named_except_in_its_unauthenticated_padding() => SweepAsync(ObjectKind.Pack);

    [Fact]
    public Task Every_flipped_bit_of_an_index_file_is_detected_and_named() => SweepAsync(ObjectKind.Index);

    [Fact]
    public Task Every_flipped_bit_of_a_snapshot_is_detected_and_named() => SweepAsync(ObjectKind.Snapshot);

    [Fact]
    public Task A_lock_with_a_flipped_bit_is_ignored_and_harms_nothing() => SweepAsync(ObjectKind.Lock);

    private async Task<MemoryStorage> BuildAsync()
    {
        _fixture.WriteFile("chat.txt", System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("see you at eight? ", 80))));
        _fixture.WriteFile("media/photo.jpg", RepositoryFixture.RandomBytes(1200, 1));
        _fixture.WriteFile("empty.txt", []);
        Directory.CreateDirectory(Path.Combine(_fixture.Source, "media/empty-folder"));
        string db = Path.Combine(_fixture.Source, "msgstore.db");
        using (var connection = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA page_size=512; PRAGMA journal_mode=DELETE; CREATE TABLE messages(id INTEGER PRIMARY KEY, body TEXT);"
                + string.Concat(Enumerable.Range(1, 6).Select(i => $"INSERT INTO messages(body) VALUES ('message {i}');"));
            command.ExecuteNonQuery();
        }

        await _fixture.InitAsync();
        await _fixture.BackupAsync();

        // The whole repository in memory: each flip gets its own copy, with one object changed.
        var memory = new MemoryStorage();
        foreach (var kind in new[] { ObjectKind.Config, ObjectKind.Pack, ObjectKind.Index, ObjectKind.Snapshot })
        {
            var names = kind == ObjectKind.Config ? [ObjectName.Config] : await ListAsync(_fixture.Storage, kind);
            foreach (var name in names)
            {
                memory.Put(name, await _fixture.Storage.ReadAsync(name));
            }
        }

        // What an undamaged restore gives (the database is the online-backup copy, not the file's bytes).
        using (var repository = await Repository.Repository.OpenAsync(memory, _fixture.Key))
        {
            await repository.RestoreAsync(new RestoreRequest("latest", Expected));
        }

        return memory;
    }

    private string Expected => _fixture.NewFolder("expected");

    private static async Task<List<ObjectName>> ListAsync(IStorage storage, ObjectKind kind)
    {
        var names = new List<ObjectName>();
        await foreach (var item in storage.ListAsync(kind))
        {
            names.Add(item.Name);
        }

        return names;
    }

    private async Task SweepAsync(ObjectKind kind)
    {
        var baseline = await BuildAsync();
        if (kind == ObjectKind.Lock)
        {
            // A lock left behind by a process that is still running (a fresh time): the worst case.
            using var repository = await Repository.Repository.OpenAsync(baseline, _fixture.Key);
            _ = await RepositoryLock.AcquireAsync(repository, exclusive: false, TimeProvider.System, CancellationToken.None);
        }

        var targets = kind == ObjectKind.Config ? [ObjectName.Config] : await ListAsync(baseline, kind);
        Assert.NotEmpty(targets);
        var tally = new Dictionary<string, int>(StringComparer.Ordinal);
        var random = new Random(SampleSeed + (int)kind);
        foreach (var name in targets)
        {
            byte[] original = await baseline.ReadAsync(name);
            var regions = kind == ObjectKind.Pack ? await PackRegionsAsync(baseline, name, original.Length) : null;
            long bits = original.Length * 8L;
            IEnumerable<long> flips = Full
                ? Enumerable.Range(0, checked((int)bits)).Select(i => (long)i)
                : Enumerable.Range(0, SampleFlips[kind] / targets.Count + 1).Select(_ => random.NextInt64(bits));
            foreach (long bit in flips)
            {
                byte[] damaged = (byte[])original.Clone();
                damaged[bit / 8] ^= (byte)(1 << (int)(bit % 8));
                var storage = Copy(baseline);
                storage.Put(name, damaged);
                string region = regions?.Of(bit / 8) ?? "object";
                await AssertDetectedAsync(storage, name, kind, region, bit);
                tally[region] = tally.GetValueOrDefault(region) + 1;
            }
        }

        string summary = $"{kind}: {tally.Values.Sum():N0} bit flips over {targets.Count} object(s) ({string.Join(", ", tally.Select(t => $"{t.Key} {t.Value:N0}"))}){(Full ? ", every bit" : ", sampled")}";
        output.WriteLine(summary);
        if (Environment.GetEnvironmentVariable("LOCKBOX_BITFLIP_REPORT") is { } report)
        {
            await File.AppendAllTextAsync(report, summary + Environment.NewLine);
        }
    }

    private async Task AssertDetectedAsync(MemoryStorage storage, ObjectName name, ObjectKind kind, string region, long bit)
    {
        string context = $"bit {bit} of {name.Path} ({region})";
        string target = _fixture.NewFolder($"restore-{kind}-{bit}");

        // restore
        Exception? restoreError = null;
        try
        {
            using var repository = await Repository.Repository.OpenAsync(storage, _fixture.Key);
            await repository.RestoreAsync(new RestoreRequest("latest", target));
        }
        catch (LockboxException e)
        {
            restoreError = e;
        }

        // check --read-data: the repository may not even open (config, index), which is how check reports those.
        IReadOnlyList<string> checkErrors;
        try
        {
            using var repository = await Repository.Repository.OpenAsync(storage, _fixture.Key);
            checkErrors = (await repository.CheckAsync(readData: true)).Errors;
        }
        catch (LockboxException e)
        {
            checkErrors = [e.Message];
        }

        // A damaged index file costs nothing but time: the packs it covered are read from their own
        // headers, so the restore succeeds byte-identical; check names the index file.
        bool restoreMustFail = kind != ObjectKind.Index && region is "object" or "blob";
        bool checkMustFail = region is "object" or "blob" or "header";
        if (kind == ObjectKind.Lock)
        {
            // Nothing but lock handling reads locks: a damaged one is skipped like a stale one.
            restoreMustFail = checkMustFail = false;
            using var repository = await Repository.Repository.OpenAsync(storage, _fixture.Key);
            await using var held = await RepositoryLock.AcquireAsync(repository, exclusive: false, TimeProvider.System, CancellationToken.None);
        }

        if (restoreMustFail)
        {
            Assert.True(restoreError is not null, $"restore did not notice {context}");
            Assert.True(Names(restoreError!.Message, name), $"restore's error for {context} does not name it: {restoreError.Message}");
            Assert.False(Directory.Exists(target), $"restore wrote output despite {context}");
            Assert.Empty(Directory.EnumerateDirectories(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.lockbox-restore-*"));
        }
        else
        {
            Assert.True(restoreError is null, $"restore failed on {context}, which it never reads: {restoreError?.Message}");
            FolderAssert.Identical(Expected, target);
            Directory.Delete(target, recursive: true);
        }

        if (checkMustFail)
        {
            Assert.True(checkErrors.Any(e => Names(e, name)), $"check --read-data did not name {context}: {string.Join(" | ", checkErrors)}");
        }
        else
        {
            Assert.True(checkErrors.Count == 0, $"check --read-data failed on {context}: {string.Join(" | ", checkErrors)}");
        }
    }

    /// <summary>
    /// Whether an error names the object. The config's last 32 bytes are the key check (an HMAC
    /// under the backup key, docs/FORMAT.md §4): damage there is indistinguishable from a wrong key,
    /// and is reported as one, before anything else is read.
    /// </summary>
    private static bool Names(string error, ObjectName name) =>
        name.Kind == ObjectKind.Config
            ? error.StartsWith("Config damaged", StringComparison.Ordinal) || error.StartsWith("Wrong key", StringComparison.Ordinal)
            : error.Contains(name.Name, StringComparison.Ordinal);

    private sealed record PackRegions(List<(long Start, long End)> Blobs, long HeaderStart)
    {
        public string Of(long offset) =>
            offset >= HeaderStart ? "header" : Blobs.Any(b => offset >= b.Start && offset < b.End) ? "blob" : "padding";
    }

    private async Task<PackRegions> PackRegionsAsync(MemoryStorage storage, ObjectName pack, long length)
    {
        byte[] bytes = await storage.ReadAsync(pack);
        int sealedHeader = BitConverter.ToInt32(bytes, bytes.Length - PackHeader.TrailerLength);
        var blobs = new List<(long, long)>();
        using var repository = await Repository.Repository.OpenAsync(storage, _fixture.Key);
        foreach (var entry in repository.Index.ByPack()[pack.Name])
        {
            blobs.Add((entry.Offset, (long)entry.Offset + entry.StoredLength));
        }

        return new PackRegions(blobs, length - PackHeader.TrailerLength - sealedHeader);
    }

    private static MemoryStorage Copy(MemoryStorage source)
    {
        var copy = new MemoryStorage();
        foreach (var kind in Enum.GetValues<ObjectKind>())
        {
            foreach (var item in source.ListAsync(kind).ToBlockingEnumerable())
            {
                copy.Put(item.Name, source.ReadAsync(item.Name).GetAwaiter().GetResult());
            }
        }

        return copy;
    }

    public void Dispose() => _fixture.Dispose();
}
