using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using Lockbox.Crypto;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Storage;
using ZstdSharp;

namespace Lockbox.Fuzzing;

/// <summary>
/// Every parser of bytes a repository hands back, fuzzed: the config, pack headers (read from
/// storage), index files, snapshots, stored blobs, manifests, content elements and the 64-digit
/// key. The encrypted objects are fuzzed as storage would return them, and the parsers of
/// decrypted data are fuzzed directly, by sealing each fuzzed plaintext under the real key: random
/// ciphertext never gets past the authentication tag, so without this the code behind it would
/// never see a strange byte.
/// </summary>
public static class RepositoryTargets
{
    private static readonly BackupKey Key = BackupKey.FromBytes(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private static readonly byte[] MasterKey = Enumerable.Range(64, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] RepositoryId = Enumerable.Range(128, 32).Select(i => (byte)i).ToArray();
    private static readonly string ObjectId = new('a', 64);

    // The format caps the chunker maximum at 64 MiB (docs/FORMAT.md §4), so no blob is longer.
    private const long MaxRawLength = 64 * 1024 * 1024;

    /// <summary>Every target, in a stable order.</summary>
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new FuzzTarget("config", Config),
        new FuzzTarget("config (checksums recomputed: parameters reach the parser)", ConfigRechecksummed),
        new FuzzTarget("pack header (sealed, read from storage)", PackHeaderFromStorage),
        new FuzzTarget("pack header (decrypted plaintext)", PackHeaderPlaintext),
        new FuzzTarget("index file (sealed)", IndexSealed),
        new FuzzTarget("index file (decrypted plaintext)", IndexPlaintext),
        new FuzzTarget("snapshot (sealed)", SnapshotSealed),
        new FuzzTarget("snapshot (decrypted plaintext: zstd frame)", SnapshotCompressed),
        new FuzzTarget("snapshot (decrypted plaintext: JSON)", SnapshotJson),
        new FuzzTarget("stored blob (sealed, with its entry)", StoredBlob),
        new FuzzTarget("manifest (decrypted tree blobs: JSON lines)", ManifestLines),
        new FuzzTarget("content element", ContentElements),
        new FuzzTarget("64-digit backup key", BackupKeys),
    ];

    /// <summary>Damage, or an authenticated object of a later version (upgrade, not damage).</summary>
    private static bool Corrupt(Exception e) => e is CorruptObjectException or UnsupportedVersionException;

    private static MasterKeys NewKeys() => new(MasterKey, RepositoryId);

    private static byte[] ValidConfig() => new RepositoryConfig
    {
        RepositoryId = RepositoryId,
        Chunker = Chunking.ChunkerParameters.Default,
        PackTargetSize = 16 * 1024 * 1024,
        Created = DateTimeOffset.FromUnixTimeSeconds(1_767_225_600),
        WrappedMasterKey = new Aead(KeyDerivation.Derive(Key.Bytes, RepositoryId, KeyDerivation.WrapLabel))
            .Seal(MasterKey, [.. "lockbox/v1/config/master-key"u8, .. RepositoryId]),
    }.Serialize(Key);

    private static FuzzReport Config(int count, ulong seed)
    {
        byte[][] seeds = [ValidConfig()];
        return Fuzz.Run("config", seeds, 400, count, seed, bytes => RepositoryConfig.Open(bytes, Key),
            e => e is ConfigDamagedException or WrongKeyException or UnsupportedVersionException || e.GetType() == typeof(LockboxException));
    }

    /// <summary>Mutates the 128 parameter bytes and recomputes both checksums, so the parser sees every field.</summary>
    private static FuzzReport ConfigRechecksummed(int count, ulong seed)
    {
        byte[][] seeds = [ValidConfig()[..RepositoryConfig.ParametersLength]];
        return Fuzz.Run("config (rechecksummed)", seeds, 200, count, seed, parameters =>
        {
            byte[] p = new byte[RepositoryConfig.ParametersLength];
            parameters.AsSpan(0, Math.Min(parameters.Length, p.Length)).CopyTo(p);
            byte[] config = [.. p, .. SHA256.HashData(p), .. HMACSHA256.HashData(
                KeyDerivation.Derive(Key.Bytes, p.AsSpan(10, 32), KeyDerivation.CheckLabel), p)];
            var (opened, masterKey) = RepositoryConfig.Open(config, Key);
            if (!opened.Chunker.IsValid || opened.PackTargetSize < 1024 * 1024 || masterKey.Length != 32)
            {
                throw new FuzzFailureException("an out-of-range config was accepted");
            }
        }, e => e is ConfigDamagedException or WrongKeyException or UnsupportedVersionException || e.GetType() == typeof(LockboxException));
    }

    private static PackEntry[] SampleEntries(int n) =>
        [.. Enumerable.Range(0, n).Select(i => new PackEntry(
            new BlobId(SHA256.HashData(BitConverter.GetBytes(i))), (BlobType)(i % 3), (BlobEncoding)(i % 2), (uint)(i * 100), 100, (uint)(150 + i)))];

    private static byte[] HeaderPlaintext(PackEntry[] entries)
    {
        byte[] p = new byte[5 + entries.Length * PackEntry.EncodedLength];
        p[0] = PackHeader.Version;
        BitConverter.TryWriteBytes(p.AsSpan(1), entries.Length);
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i].WriteTo(p.AsSpan(5 + i * PackEntry.EncodedLength));
        }

        return p;
    }

    private static FuzzReport PackHeaderFromStorage(int count, ulong seed)
    {
        using var keys = NewKeys();
        var name = new ObjectName(ObjectKind.Pack, ObjectId);
        byte[][] seeds = [.. new[] { 0, 1, 3, 8 }.Select(n =>
        {
            var entries = SampleEntries(n);
            return (byte[])[.. new byte[n * 100 + 7], .. PackHeader.Seal(entries, ObjectId, keys.Metadata)];
        })];
        var storage = new MemoryStorage();
        return Fuzz.Run("pack header (storage)", seeds, 600, count, seed, bytes =>
        {
            storage.Put(name, bytes);
            var entries = PackHeader.ReadAsync(storage, name, bytes.Length, keys.Metadata, CancellationToken.None).GetAwaiter().GetResult();
            RequireInPack(entries, bytes.Length);
        }, Corrupt);
    }

    private static void RequireInPack(IReadOnlyList<PackEntry> entries, long packLength)
    {
        foreach (var e in entries)
        {
            if ((long)e.Offset + e.StoredLength > packLength || e.RawLength > MaxRawLength)
            {
                throw new FuzzFailureException($"an entry outside its pack was accepted: {e}");
            }
        }
    }

    private static FuzzReport PackHeaderPlaintext(int count, ulong seed)
    {
        using var keys = NewKeys();
        var name = new ObjectName(ObjectKind.Pack, ObjectId);
        byte[] ad = [.. "lockbox/v1/pack-header"u8, .. Convert.FromHexString(ObjectId)];
        byte[][] seeds = [.. new[] { 0, 1, 3, 8 }.Select(n => HeaderPlaintext(SampleEntries(n)))];
        return Fuzz.Run("pack header (plaintext)", seeds, 600, count, seed, plaintext =>
        {
            var entries = PackHeader.Open(keys.Metadata.Seal(plaintext, ad), name, 1000, keys.Metadata);
            RequireInPack(entries, 1000);
        }, Corrupt);
    }

    private static byte[] IndexPlaintext(params (string Pack, PackEntry[] Entries)[] packs)
    {
        using var keys = NewKeys();
        byte[] sealedIndex = IndexFile.Seal([.. packs.Select(p => (p.Pack, (IReadOnlyList<PackEntry>)p.Entries))], ObjectId, keys.Metadata);
        byte[] plaintext = new byte[sealedIndex.Length - Aead.Overhead];
        keys.Metadata.TryOpen(sealedIndex, [.. "lockbox/v1/index"u8, .. Convert.FromHexString(ObjectId)], plaintext);
        return plaintext;
    }

    private static byte[][] IndexSeeds() =>
    [
        IndexPlaintext(),
        IndexPlaintext((new string('1', 64), SampleEntries(2))),
        IndexPlaintext((new string('2', 64), SampleEntries(3)), (new string('3', 64), []), (new string('4', 64), SampleEntries(1))),
    ];

    private static FuzzReport IndexSealed(int count, ulong seed)
    {
        using var keys = NewKeys();
        var name = new ObjectName(ObjectKind.Index, ObjectId);
        byte[] ad = [.. "lockbox/v1/index"u8, .. Convert.FromHexString(ObjectId)];
        byte[][] seeds = [.. IndexSeeds().Select(p => keys.Metadata.Seal(p, ad))];
        return Fuzz.Run("index (sealed)", seeds, 600, count, seed, bytes => IndexFile.Open(bytes, name, keys.Metadata), Corrupt);
    }

    private static FuzzReport IndexPlaintext(int count, ulong seed)
    {
        using var keys = NewKeys();
        var name = new ObjectName(ObjectKind.Index, ObjectId);
        byte[] ad = [.. "lockbox/v1/index"u8, .. Convert.FromHexString(ObjectId)];
        return Fuzz.Run("index (plaintext)", IndexSeeds(), 600, count, seed, plaintext =>
        {
            foreach (var (_, entries) in IndexFile.Open(keys.Metadata.Seal(plaintext, ad), name, keys.Metadata))
            {
                RequireInPack(entries, long.MaxValue);
            }
        }, Corrupt);
    }

    private static Snapshot SampleSnapshot(int trees) => new()
    {
        Time = DateTimeOffset.FromUnixTimeSeconds(1_767_225_600),
        Hostname = "phone",
        Source = "/data/chat",
        Tags = ["daily"],
        Parent = trees > 1 ? new string('b', 64) : null,
        Manifest = [.. Enumerable.Range(0, trees).Select(i => Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(i))))],
        Summary = new BackupSummary { Files = 3, Bytes = 1234, NewBlobs = 2, Skipped = ["link: a symlink"] },
    };

    private static byte[][] SnapshotJsonSeeds() =>
        [.. new[] { 0, 1, 3 }.Select(n => JsonSerializer.SerializeToUtf8Bytes(SampleSnapshot(n), RepositoryJson.Default.Snapshot))];

    private static readonly byte[] SnapshotAd = [.. "lockbox/v1/snapshot"u8, .. Convert.FromHexString(ObjectId)];

    private static FuzzReport SnapshotSealed(int count, ulong seed)
    {
        using var keys = NewKeys();
        var name = new ObjectName(ObjectKind.Snapshot, ObjectId);
        byte[][] seeds = [.. new[] { 0, 1, 3 }.Select(n => SnapshotFile.Seal(SampleSnapshot(n), ObjectId, keys.Metadata))];
        return Fuzz.Run("snapshot (sealed)", seeds, 600, count, seed, bytes => RequireUsable(SnapshotFile.Open(bytes, name, keys.Metadata)), Corrupt);
    }

    private static FuzzReport SnapshotCompressed(int count, ulong seed)
    {
        using var keys = NewKeys();
        var name = new ObjectName(ObjectKind.Snapshot, ObjectId);
        using var compressor = new Compressor(3);
        byte[][] seeds = [.. SnapshotJsonSeeds().Select(j => compressor.Wrap(j).ToArray())];
        return Fuzz.Run("snapshot (zstd plaintext)", seeds, 600, count, seed,
            compressed => RequireUsable(SnapshotFile.Open(keys.Metadata.Seal(compressed, SnapshotAd), name, keys.Metadata)), Corrupt);
    }

    private static FuzzReport SnapshotJson(int count, ulong seed)
    {
        using var keys = NewKeys();
        var name = new ObjectName(ObjectKind.Snapshot, ObjectId);
        using var compressor = new Compressor(1);
        return Fuzz.Run("snapshot (JSON plaintext)", [.. SnapshotJsonSeeds(), .. JsonVariants(SnapshotJsonSeeds()[2])], 400, count, seed,
            json => RequireUsable(SnapshotFile.Open(keys.Metadata.Seal(compressor.Wrap(json), SnapshotAd), name, keys.Metadata)), Corrupt);
    }

    /// <summary>A snapshot the parser returns must be usable as is: no null where the format has a value, every manifest id an id.</summary>
    private static void RequireUsable(Snapshot snapshot)
    {
        if (snapshot.Hostname is null || snapshot.Source is null || snapshot.Tags is null || snapshot.Manifest is null
            || snapshot.Summary is null || snapshot.Summary.Skipped is null || snapshot.Tags.Any(t => t is null) || snapshot.Summary.Skipped.Any(t => t is null))
        {
            throw new FuzzFailureException("a snapshot with a null field was accepted");
        }

        foreach (string id in snapshot.Manifest)
        {
            _ = BlobId.Parse(id);
        }
    }

    /// <summary>Structure-aware JSON seeds: each member of a valid document replaced by null, a wrong type or an extreme value.</summary>
    private static IEnumerable<byte[]> JsonVariants(byte[] json)
    {
        string text = Encoding.UTF8.GetString(json);
        using var document = JsonDocument.Parse(json);
        string[] replacements = ["null", "0", "-1", "1e999", "18446744073709551616", "\"\"", "[]", "{}", "[null]", "\"x\"", "true", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"];
        foreach (var member in document.RootElement.EnumerateObject())
        {
            string raw = member.Value.GetRawText();
            string prefix = $"\"{member.Name}\":";
            int at = text.IndexOf(prefix + raw, StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }

            foreach (string r in replacements)
            {
                yield return Encoding.UTF8.GetBytes(string.Concat(text.AsSpan(0, at + prefix.Length), r, text.AsSpan(at + prefix.Length + raw.Length)));
            }

            // The member missing altogether.
            string without = text.Remove(at, prefix.Length + raw.Length).Replace(",,", ",", StringComparison.Ordinal).Replace("{,", "{", StringComparison.Ordinal).Replace(",}", "}", StringComparison.Ordinal);
            yield return Encoding.UTF8.GetBytes(without);
        }
    }

    private static FuzzReport StoredBlob(int count, ulong seed)
    {
        using var keys = NewKeys();
        using var codec = new BlobCodec(keys);
        var pack = new ObjectName(ObjectKind.Pack, ObjectId);
        var seeds = new List<byte[]>();
        foreach (byte[] plaintext in new[] { Array.Empty<byte>(), RandomNumberGenerator.GetBytes(300), Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("hello chat ", 200))) })
        {
            var id = keys.ComputeId(plaintext);
            var sealedBlob = codec.Seal(id, BlobType.Data, BlobBuffers.RentForSealing(plaintext), plaintext.Length);
            var entry = new PackEntry(id, BlobType.Data, sealedBlob.Encoding, 0, (uint)sealedBlob.SealedLength, (uint)plaintext.Length);
            byte[] encodedEntry = new byte[PackEntry.EncodedLength];
            entry.WriteTo(encodedEntry);

            // The fuzzed input is the entry (46 bytes) followed by the stored blob: both come from storage.
            seeds.Add([.. encodedEntry, .. sealedBlob.Sealed.AsSpan(0, sealedBlob.SealedLength)]);
            BlobBuffers.Pool.Return(sealedBlob.Sealed);
        }

        return Fuzz.Run("stored blob", seeds, 600, count, seed, bytes =>
        {
            if (bytes.Length < PackEntry.EncodedLength || PackEntry.Read(bytes.AsSpan(0, PackEntry.EncodedLength)) is not { } entry)
            {
                return;
            }

            codec.Open(bytes.AsSpan(PackEntry.EncodedLength), entry, pack);
        }, Corrupt);
    }

    private static FuzzReport ManifestLines(int count, ulong seed)
    {
        string whole = new('c', 64);
        string delta = $"{new string('1', 64)}={new string('2', 64)}+{new string('3', 64)}";
        byte[] line1 = JsonSerializer.SerializeToUtf8Bytes(new FileEntry { Path = "db/msgstore.db", Type = FileEntry.FileType, Mode = 420, Size = 8192, Content = [whole, delta], IsSqliteDatabase = true }, RepositoryJson.Default.FileEntry);
        byte[] line2 = JsonSerializer.SerializeToUtf8Bytes(new FileEntry { Path = "media", Type = FileEntry.DirectoryType, Mode = 493 }, RepositoryJson.Default.FileEntry);
        byte[] manifest = [.. line2, (byte)'\n', .. line1, (byte)'\n'];
        return Fuzz.Run("manifest", [manifest, line1, .. JsonVariants(line1)], 400, count, seed, bytes =>
        {
            foreach (var entry in Manifest.Parse(bytes))
            {
                if (entry.Path is null || entry.Type is not (FileEntry.FileType or FileEntry.DirectoryType))
                {
                    throw new FuzzFailureException("a manifest entry without a path or type was accepted");
                }

                foreach (string element in entry.Content ?? [])
                {
                    _ = ContentElement.Parse(element);
                }
            }
        }, e => e.GetType() == typeof(LockboxException));
    }

    private static readonly string[] ElementSeeds =
    [
        new string('c', 64),
        $"{new string('1', 64)}={new string('2', 64)}+{new string('3', 64)}",
        $"{new string('A', 64)}={new string('f', 64)}+{new string('0', 64)}",
    ];

    private static FuzzReport ContentElements(int count, ulong seed)
    {
        byte[][] seeds = [.. ElementSeeds.Select(Encoding.Latin1.GetBytes)];
        return Fuzz.Run("content element", seeds, 260, count, seed, bytes => ContentElement.Parse(Encoding.Latin1.GetString(bytes)),
            e => e.GetType() == typeof(LockboxException));
    }

    private static FuzzReport BackupKeys(int count, ulong seed)
    {
        const string digits = "00112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210";
        using var display = BackupKey.Parse(digits);
        byte[][] seeds =
        [
            Encoding.UTF8.GetBytes(digits),
            Encoding.UTF8.GetBytes(display.ToDisplayString()),
            Encoding.UTF8.GetBytes(display.ToDisplayString().ToUpperInvariant().Replace(' ', '-')),
            Encoding.UTF8.GetBytes("0011 2233 4455 6677\r\n8899 aabb ccdd eeff\r\n0123 4567 89ab cdef\r\nfedc ba98 7654 3210\n"),
            Encoding.UTF8.GetBytes("٠١٢٣ ００１１ ⅰⅱ 𝟘𝟙"),
        ];
        var report = Fuzz.Run("backup key (bytes as UTF-8)", seeds, 200, count / 2, seed, bytes =>
        {
            using var key = BackupKey.Parse(Encoding.UTF8.GetString(bytes));
        }, e => e is FormatException);
        var strings = ArbMap.Default.GeneratorFor<string>().Where(s => s is not null);
        var more = Fuzz.RunOver("backup key (FsCheck strings)", strings, count - (count / 2), seed + 1, text =>
        {
            using var key = BackupKey.Parse(text);
        }, e => e is FormatException);
        return new FuzzReport("64-digit backup key", report.Inputs + more.Inputs, report.Accepted + more.Accepted, report.Rejected + more.Rejected, report.Elapsed + more.Elapsed);
    }
}
