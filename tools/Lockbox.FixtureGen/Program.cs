using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lockbox.Chunking;
using Lockbox.Client;
using Lockbox.Crypto;
using Lockbox.Device;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Restore;
using Lockbox.Standard;
using Lockbox.Storage;
using Lockbox.StoreGen;
using Microsoft.Data.Sqlite;

[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]

// Writes the frozen format-v1 fixtures (tests/fixtures/README.md) into a folder that must not exist
// yet. It never writes into tests/fixtures itself: the committed fixtures are written once and never
// rewritten; a format change adds a new fixture set beside them.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: Lockbox.FixtureGen <new output folder>");
    return 2;
}

string output = Path.GetFullPath(args[0]);
if (Directory.Exists(output) || File.Exists(output))
{
    Console.Error.WriteLine($"{output} exists: the generator writes only into a new folder, and never over fixtures.");
    return 1;
}

string work = Directory.CreateTempSubdirectory("lockbox-fixturegen-").FullName;
try
{
    await Generator.RunAsync(output, work);
    Console.WriteLine($"fixtures written to {output}");
    return 0;
}
finally
{
    Directory.Delete(work, recursive: true);
}

internal static class Generator
{
    private const string Hostname = "fixture-phone";
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);

    public static async Task RunAsync(string output, string work)
    {
        Directory.CreateDirectory(output);
        string phone = Path.Combine(work, "phone");
        string cloud = Path.Combine(work, "cloud");
        string device = Path.Combine(work, "device");
        var clock = new FixedClock(Start);
        LockboxClient Client(string storage, string deviceFolder) => new(new LockboxClientOptions
        {
            Storage = new LocalStorage(storage),
            DeviceFolder = deviceFolder,
            ChatStore = phone,
            Hostname = Hostname,
            Time = clock,
        });

        // Day 0: a small chat store, backed up in standard mode (not end-to-end encrypted).
        await ChatStoreGenerator.GenerateAsync(phone, new GenerateOptions { Seed = 1, Messages = 600, Chats = 4, MediaBytes = 24 << 10 });
        Normalize(phone);
        await Client(cloud, device).BackupAsync();
        CopyFiles(cloud, Path.Combine(output, "standard-v1"));

        // Day 0, later: end-to-end encryption on with a 64-digit key. Snapshot 1 is the imported
        // standard backup, snapshot 2 the store as it is now (its database copy becomes the base).
        clock.Now = Start.AddHours(1);
        await Client(cloud, device).EnableWithKeyAsync((key, _) => ValueTask.FromResult(key.ToDisplayString()));

        // Day 1: new messages and edits (page deltas against the base), a new photo, and a long
        // video over the largest chunk (4 MiB), so it is cut by the chunker.
        await ChatStoreGenerator.GrowAsync(phone, new GrowOptions { Seed = 2, NewMessagesPercent = 2, EditsPercent = 1, MediaBytes = 8 << 10 });
        WriteLongVideo(Path.Combine(phone, "media", "Video", "VID-20261102-long.mp4"));
        Normalize(phone);
        clock.Now = Start.AddDays(1);
        await Client(cloud, device).BackupAsync();

        // The repository as it stands here is what the key rotation below rotates.
        string rotationCloud = Path.Combine(work, "rotation-cloud");
        string rotationDevice = Path.Combine(work, "rotation-device");
        CopyFiles(cloud, rotationCloud);
        CopyFiles(device, rotationDevice);

        // Day 2: more messages and edits, and an archive database of 512-byte pages, most of them
        // zeroed free pages: its page list makes the manifest longer than the largest chunk (4 MiB),
        // so the manifest is cut into more than one tree blob, whatever the chunker key.
        await ChatStoreGenerator.GrowAsync(phone, new GrowOptions { Seed = 3, NewMessagesPercent = 2, EditsPercent = 1, MediaBytes = 8 << 10 });
        WriteArchiveDatabase(Path.Combine(phone, "databases", "archive.db"));
        Normalize(phone);
        File.SetUnixFileMode(Path.Combine(phone, "databases", "archive.db"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        clock.Now = Start.AddDays(2);
        await Client(cloud, device).BackupAsync();

        string repo = Path.Combine(output, "repo-v1");
        CopyFiles(cloud, repo);
        using var key = new DeviceFolder(device).LoadKey() ?? throw new InvalidOperationException("no key");
        KeyFile.Write(Path.Combine(output, "repo-v1.key"), key, replace: false);

        // The key rotation of the repository as it stood after day 1, under a new key.
        clock.Now = Start.AddDays(1).AddHours(1);
        await Client(rotationCloud, rotationDevice).RotateKeyAsync(null, (k, _) => ValueTask.FromResult(k.ToDisplayString()));
        string rotated = Path.Combine(output, "repo-v1-rotated");
        CopyFiles(rotationCloud, rotated);
        using var newKey = new DeviceFolder(rotationDevice).LoadKey() ?? throw new InvalidOperationException("no rotated key");
        KeyFile.Write(Path.Combine(output, "repo-v1-rotated.key"), newKey, replace: false);

        await WriteStandardExpectedAsync(output, work);
        await WriteExpectedAsync(output, "repo-v1", key, work, requireCoverage: true);
        await WriteExpectedAsync(output, "repo-v1-rotated", newKey, work, requireCoverage: false);
        await AssertWrongKeyAsync(rotated, key);

        WriteKnownAnswers(output, repo, key);
        WriteStates(output, work);
        WriteDamaged(output, repo);
        WriteSums(output);
    }

    /// <summary>Modes and times fixed, so nothing depends on the generator's umask or clock.</summary>
    private static void Normalize(string store)
    {
        var time = new DateTime(2026, 10, 31, 12, 0, 0, DateTimeKind.Utc);
        foreach (string file in Directory.EnumerateFiles(store, "*", SearchOption.AllDirectories))
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        foreach (string folder in Directory.EnumerateDirectories(store, "*", SearchOption.AllDirectories))
        {
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        foreach (string file in Directory.EnumerateFiles(Path.Combine(store, "media"), "*", SearchOption.AllDirectories))
        {
            File.SetLastWriteTimeUtc(file, time);
        }
    }

    /// <summary>
    /// 4.5 MiB and a bit, from 64 pseudo-random 256-byte segments in pseudo-random order: zstd
    /// shrinks it to a few percent, yet its 64-byte windows vary enough for content-defined cuts.
    /// </summary>
    private static void WriteLongVideo(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var segments = new byte[64][];
        var random = new Random(17);
        for (int i = 0; i < segments.Length; i++)
        {
            segments[i] = new byte[256];
            random.NextBytes(segments[i]);
        }

        var order = new Random(18);
        using var file = File.Create(path);
        long length = (9L << 19) + 12_345;
        for (long written = 0; written < length;)
        {
            byte[] segment = segments[order.Next(segments.Length)];
            int count = (int)Math.Min(segment.Length, length - written);
            file.Write(segment, 0, count);
            written += count;
        }
    }

    /// <summary>An SQLite database of 512-byte pages: a small table, and some 66,000 free pages zeroed by secure_delete.</summary>
    private static void WriteArchiveDatabase(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA page_size=512; PRAGMA journal_mode=DELETE; PRAGMA auto_vacuum=NONE; PRAGMA secure_delete=ON;
            CREATE TABLE archived(id INTEGER PRIMARY KEY, chat TEXT, note TEXT);
            CREATE TABLE scratch(id INTEGER PRIMARY KEY, data BLOB);
            """;
        command.ExecuteNonQuery();
        using (var transaction = connection.BeginTransaction())
        {
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO archived(chat, note) VALUES ($chat, $note)";
            var chat = command.Parameters.Add("$chat", SqliteType.Text);
            var note = command.Parameters.Add("$note", SqliteType.Text);
            for (int i = 0; i < 40; i++)
            {
                chat.Value = $"chat {i % 4}";
                note.Value = $"archived conversation {i}, kept for the fixture";
                command.ExecuteNonQuery();
            }

            command.Parameters.Clear();
            command.CommandText = "INSERT INTO scratch(data) SELECT zeroblob(30000) FROM (WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1100) SELECT x FROM n)";
            command.ExecuteNonQuery();
            transaction.Commit();
        }

        command.Transaction = null;
        command.CommandText = "DELETE FROM scratch";
        command.ExecuteNonQuery();
    }

    private static void CopyFiles(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static async Task WriteStandardExpectedAsync(string output, string work)
    {
        var standard = new StandardBackups(new LocalStorage(Path.Combine(output, "standard-v1")));
        var list = new JsonArray();
        foreach (var snapshot in await standard.ListAsync())
        {
            string target = Path.Combine(work, "restore-standard-" + snapshot.Id);
            await standard.RestoreAsync(snapshot, target);
            list.Add(new JsonObject
            {
                ["id"] = snapshot.Id,
                ["time"] = snapshot.Snapshot.Time.ToString("O", CultureInfo.InvariantCulture),
                ["hostname"] = snapshot.Snapshot.Hostname,
                ["entries"] = Listing(target, includeModes: false),
            });
        }

        Write(Path.Combine(output, "standard-v1.expected.json"), new JsonObject { ["format"] = 1, ["snapshots"] = list });
    }

    private static async Task WriteExpectedAsync(string output, string name, BackupKey key, string work, bool requireCoverage)
    {
        var storage = new LocalStorage(Path.Combine(work, "expected-" + name));
        CopyFiles(Path.Combine(output, name), Path.Combine(work, "expected-" + name));
        using var repository = await Repository.OpenAsync(storage, key);
        var check = await repository.CheckAsync(readData: true);
        if (!check.IsHealthy)
        {
            throw new InvalidOperationException($"{name} does not check: {string.Join("; ", check.Errors)}");
        }

        var snapshots = await repository.ListSnapshotsAsync();
        bool deltas = false, multiBlobManifest = false, chunkedFile = false;
        var list = new JsonArray();
        using var codec = new BlobCodec(repository.Keys);
        foreach (var snapshot in snapshots)
        {
            var manifest = await repository.ReadManifestAsync(snapshot.Snapshot, codec, CancellationToken.None);
            deltas |= manifest.Any(e => e.Content?.Any(c => c.Contains('=', StringComparison.Ordinal)) ?? false);
            multiBlobManifest |= snapshot.Snapshot.Manifest.Count > 1;
            chunkedFile |= manifest.Any(e => !e.IsSqliteDatabase && e.Size > ChunkerParameters.Default.MaxSize && e.Content?.Count > 1);
            Console.WriteLine($"{name} {snapshot.ShortId} {snapshot.Snapshot.Time:O}: {manifest.Count} entries, {snapshot.Snapshot.Manifest.Count} manifest blobs, "
                + $"{manifest.Sum(e => e.Content?.Count(c => c.Contains('=', StringComparison.Ordinal)) ?? 0)} delta pages, {snapshot.Snapshot.Summary.NewBlobs} new blobs, {snapshot.Snapshot.Summary.UploadedBytes} bytes uploaded");
            string target = Path.Combine(work, $"restore-{name}-{snapshot.Id}");
            await repository.RestoreAsync(new RestoreRequest(snapshot.Id, target));
            list.Add(new JsonObject
            {
                ["id"] = snapshot.Id,
                ["time"] = snapshot.Snapshot.Time.ToString("O", CultureInfo.InvariantCulture),
                ["hostname"] = snapshot.Snapshot.Hostname,
                ["tags"] = new JsonArray([.. snapshot.Snapshot.Tags.Select(t => (JsonNode)JsonValue.Create(t))]),
                ["manifestBlobs"] = snapshot.Snapshot.Manifest.Count,
                ["entries"] = Listing(target, includeModes: true),
            });
            Directory.Delete(target, recursive: true);
        }

        if (requireCoverage && (snapshots.Count < 3 || !deltas || !multiBlobManifest || !chunkedFile))
        {
            throw new InvalidOperationException($"{name} misses coverage: {snapshots.Count} snapshots, deltas {deltas}, multi-blob manifest {multiBlobManifest}, chunked file {chunkedFile}");
        }

        Write(Path.Combine(output, name + ".expected.json"), new JsonObject
        {
            ["format"] = 1,
            ["repository"] = repository.Id,
            ["snapshots"] = list,
        });
    }

    private static JsonArray Listing(string root, bool includeModes)
    {
        var entries = new JsonArray();
        foreach (string path in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).OrderBy(p => Path.GetRelativePath(root, p).Replace('\\', '/'), StringComparer.Ordinal))
        {
            string relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            var entry = new JsonObject { ["path"] = relative };
            bool isFolder = Directory.Exists(path);
            entry["type"] = isFolder ? "dir" : "file";
            if (includeModes)
            {
                entry["mode"] = Convert.ToString((int)File.GetUnixFileMode(path), 8).PadLeft(4, '0');
            }

            if (!isFolder)
            {
                entry["size"] = new FileInfo(path).Length;
                using var stream = File.OpenRead(path);
                entry["sha256"] = Convert.ToHexStringLower(SHA256.HashData(stream));
            }

            entries.Add(entry);
        }

        return entries;
    }

    private static async Task AssertWrongKeyAsync(string repository, BackupKey oldKey)
    {
        try
        {
            (await Repository.OpenAsync(new LocalStorage(repository), oldKey)).Dispose();
        }
        catch (WrongKeyException)
        {
            return;
        }

        throw new InvalidOperationException("the old key still opens the rotated repository");
    }

    /// <summary>Known answers: every key derivation, blob ids, the chunker's cuts, a sealed blob, and the config.</summary>
    private static void WriteKnownAnswers(string output, string repo, BackupKey key)
    {
        string folder = Path.Combine(output, "kat");
        Directory.CreateDirectory(folder);
        byte[] backupKey = Sequence(0x00, 32);
        byte[] repositoryId = Sequence(0x20, 32);
        byte[] masterKey = Sequence(0x40, 32);
        string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

        var derivations = new JsonObject
        {
            ["comment"] = "docs/FORMAT.md §3: Derive(ikm, salt = repository id, label) = HKDF-SHA256, 32 bytes.",
            ["backupKey"] = Hex(backupKey),
            ["repositoryId"] = Hex(repositoryId),
            ["masterKey"] = Hex(masterKey),
            ["fromBackupKey"] = new JsonObject
            {
                ["lockbox/v1/backup-key/wrap"] = Hex(KeyDerivation.Derive(backupKey, repositoryId, KeyDerivation.WrapLabel)),
                ["lockbox/v1/backup-key/check"] = Hex(KeyDerivation.Derive(backupKey, repositoryId, KeyDerivation.CheckLabel)),
            },
            ["fromMasterKey"] = new JsonObject
            {
                ["lockbox/v1/master/blob-encryption"] = Hex(KeyDerivation.Derive(masterKey, repositoryId, KeyDerivation.BlobEncryptionLabel)),
                ["lockbox/v1/master/metadata-encryption"] = Hex(KeyDerivation.Derive(masterKey, repositoryId, KeyDerivation.MetadataEncryptionLabel)),
                ["lockbox/v1/master/blob-id"] = Hex(KeyDerivation.Derive(masterKey, repositoryId, KeyDerivation.BlobIdLabel)),
                ["lockbox/v1/master/chunker"] = Hex(KeyDerivation.Derive(masterKey, repositoryId, KeyDerivation.ChunkerLabel)),
            },
        };
        Write(Path.Combine(folder, "key-derivation.json"), derivations);

        using var keys = new MasterKeys(masterKey, repositoryId);
        var ids = new JsonArray();
        foreach (byte[] plaintext in new[] { Array.Empty<byte>(), "hello, lockbox"u8.ToArray(), Sequence(0x00, 256), new byte[4096] })
        {
            ids.Add(new JsonObject { ["plaintext"] = Hex(plaintext), ["id"] = keys.ComputeId(plaintext).ToString() });
        }

        Write(Path.Combine(folder, "blob-id.json"), new JsonObject
        {
            ["comment"] = "docs/FORMAT.md §5: id = HMAC-SHA256(blob-id key, plaintext), keys from key-derivation.json's master key and repository id.",
            ["masterKey"] = Hex(masterKey),
            ["repositoryId"] = Hex(repositoryId),
            ["ids"] = ids,
        });

        // The chunker: the gear table comes from the chunker key; small sizes give many cuts in 64 KiB.
        var parameters = new ChunkerParameters(256, 1024, 4096);
        var chunker = new FastCdc(parameters, keys.ChunkerKey);
        byte[] data = new byte[64 * 1024];
        new Random(20261101).NextBytes(data);
        var cuts = new JsonArray();
        for (int at = 0; at < data.Length;)
        {
            int length = chunker.NextChunkLength(data.AsSpan(at), isFinal: true);
            cuts.Add(length);
            at += length;
        }

        var defaultCuts = new JsonArray();
        var defaultChunker = new FastCdc(ChunkerParameters.Default, keys.ChunkerKey);
        byte[] large = new byte[12 * 1024 * 1024];
        new Random(20261102).NextBytes(large);
        for (int at = 0; at < large.Length;)
        {
            int length = defaultChunker.NextChunkLength(large.AsSpan(at), isFinal: true);
            defaultCuts.Add(length);
            at += length;
        }

        Write(Path.Combine(folder, "chunker.json"), new JsonObject
        {
            ["comment"] = "docs/FORMAT.md §10: FastCDC with the gear table from the chunker key (key-derivation.json's master key and repository id). Input: new System.Random(seed).NextBytes over length bytes; output: the chunk lengths, in order.",
            ["masterKey"] = Hex(masterKey),
            ["repositoryId"] = Hex(repositoryId),
            ["cases"] = new JsonArray(
                new JsonObject { ["min"] = 256, ["avg"] = 1024, ["max"] = 4096, ["seed"] = 20261101, ["length"] = data.Length, ["chunks"] = cuts },
                new JsonObject { ["min"] = ChunkerParameters.Default.MinSize, ["avg"] = ChunkerParameters.Default.AverageSize, ["max"] = ChunkerParameters.Default.MaxSize, ["seed"] = 20261102, ["length"] = large.Length, ["chunks"] = defaultCuts }),
        });

        // A sealed blob of each type and encoding as BlobCodec writes it (its nonce is random, so the bytes are frozen here).
        var sealedBlobs = new JsonArray();
        using var codec = new BlobCodec(keys);
        foreach (var (type, plaintext) in new[] { (BlobType.Data, Sequence(0x61, 200)), (BlobType.Tree, Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"path\":\"media\",\"type\":\"dir\"}\n", 40)))), (BlobType.Delta, new byte[512]) })
        {
            byte[] buffer = BlobBuffers.RentForSealing(plaintext);
            var blob = codec.Seal(keys.ComputeId(plaintext), type, buffer, plaintext.Length);
            sealedBlobs.Add(new JsonObject
            {
                ["type"] = (int)blob.Type,
                ["encoding"] = (int)blob.Encoding,
                ["id"] = blob.Id.ToString(),
                ["plaintext"] = Hex(plaintext),
                ["stored"] = Hex(blob.Sealed.AsSpan(0, blob.SealedLength).ToArray()),
            });
            BlobBuffers.Pool.Return(blob.Sealed);
        }

        Write(Path.Combine(folder, "blob.json"), new JsonObject
        {
            ["comment"] = "docs/FORMAT.md §5: stored = Seal(blob key, \"lockbox/v1/blob\" || type || encoding || id, encoded); keys from key-derivation.json's master key and repository id.",
            ["masterKey"] = Hex(masterKey),
            ["repositoryId"] = Hex(repositoryId),
            ["blobs"] = sealedBlobs,
        });

        // The config of repo-v1 with its key: what it holds, and what the key opens.
        byte[] config = File.ReadAllBytes(Path.Combine(repo, "config"));
        var (parsed, master) = RepositoryConfig.Open(config, key);
        Write(Path.Combine(folder, "config.json"), new JsonObject
        {
            ["comment"] = "docs/FORMAT.md §4: repo-v1/config opened with repo-v1.key.",
            ["config"] = Hex(config),
            ["backupKey"] = Hex(key.Bytes.ToArray()),
            ["formatVersion"] = BinaryPrimitives.ReadUInt16LittleEndian(config.AsSpan(8)),
            ["repositoryId"] = Hex(parsed.RepositoryId),
            ["chunkerMin"] = parsed.Chunker.MinSize,
            ["chunkerAverage"] = parsed.Chunker.AverageSize,
            ["chunkerMax"] = parsed.Chunker.MaxSize,
            ["packTarget"] = parsed.PackTargetSize,
            ["created"] = parsed.Created.ToUnixTimeSeconds(),
            ["wrapKey"] = Hex(KeyDerivation.Derive(key.Bytes, parsed.RepositoryId, KeyDerivation.WrapLabel)),
            ["checkKey"] = Hex(KeyDerivation.Derive(key.Bytes, parsed.RepositoryId, KeyDerivation.CheckLabel)),
            ["masterKey"] = Hex(master),
        });
    }

    private static byte[] Sequence(byte first, int length) => [.. Enumerable.Range(0, length).Select(i => (byte)(first + i))];

    /// <summary>state.json as DeviceFolder writes it, for each mode and each kind of unfinished operation.</summary>
    private static void WriteStates(string output, string work)
    {
        string folder = Path.Combine(output, "state");
        Directory.CreateDirectory(folder);
        var states = new (string Name, DeviceState State)[]
        {
            ("standard", new DeviceState { Mode = BackupMode.Standard }),
            ("key", new DeviceState { Mode = BackupMode.Key }),
            ("password", new DeviceState { Mode = BackupMode.Password }),
            ("pending-enable", new DeviceState { Mode = BackupMode.Standard, Pending = new PendingOperation("enable", BackupMode.Password, nameof(LockboxStep.ImportingSnapshots)) }),
            ("pending-disable", new DeviceState { Mode = BackupMode.Key, Pending = new PendingOperation("disable", BackupMode.Standard, nameof(LockboxStep.ExportingSnapshots)) }),
            ("pending-rotate", new DeviceState { Mode = BackupMode.Password, Pending = new PendingOperation("rotate", BackupMode.Password, nameof(LockboxStep.MovingRepository)) }),
        };
        foreach (var (name, state) in states)
        {
            var device = new DeviceFolder(Path.Combine(work, "state-" + name));
            device.SaveState(state);
            File.Copy(Path.Combine(device.Path, "state.json"), Path.Combine(folder, name + ".json"));
        }
    }

    /// <summary>Damaged variants of repo-v1: only the file that differs, and the error it must give.</summary>
    private static void WriteDamaged(string output, string repo)
    {
        byte[] config = File.ReadAllBytes(Path.Combine(repo, "config"));

        byte[] Rechecksummed(byte[] bytes)
        {
            SHA256.HashData(bytes.AsSpan(0, RepositoryConfig.ParametersLength), bytes.AsSpan(RepositoryConfig.ParametersLength, 32));
            return bytes;
        }

        byte[] flipped = (byte[])config.Clone();
        flipped[20] ^= 0x01;
        Damaged(output, "fail_config_bitflip", "config", flipped, "ConfigDamagedException", "Config damaged: its checksum does not match its contents.",
            "One bit of the repository id (byte 20) flipped: the checksum catches it before any key is tried.");

        Damaged(output, "fail_config_truncated", "config", config[..^1], "ConfigDamagedException", "Config damaged: it is 191 bytes, not 192.",
            "The config's last byte cut off.");

        byte[] keyCheck = (byte[])config.Clone();
        keyCheck[170] ^= 0x80;
        Damaged(output, "fail_config_keycheck_bitflip", "config", keyCheck, "ConfigDamagedException", "Config damaged: its key check (bytes 160",
            "One bit of the key check (byte 170) flipped: outside the checksum, but the right key still opens the wrapped master key, so it is damage, not a wrong key.");

        byte[] checksum = (byte[])config.Clone();
        checksum[140] ^= 0x04;
        Damaged(output, "fail_config_checksum_bitflip", "config", checksum, "ConfigDamagedException", "Config damaged: its checksum does not match its contents.",
            "One bit of the checksum (byte 140) flipped.");

        byte[] magic = (byte[])config.Clone();
        magic[0] = (byte)'X';
        Damaged(output, "fail_config_magic", "config", Rechecksummed(magic), "ConfigDamagedException", "Config damaged: it is not a Lockbox repository config.",
            "The magic changed to \"XBXREPO\\0\", the checksum recomputed over it.");

        byte[] version = (byte[])config.Clone();
        version[9] ^= 0x02;
        Damaged(output, "fail_config_version_bitflip", "config", version, "ConfigDamagedException", "Config damaged: its checksum does not match its contents.",
            "One bit of the version field (byte 9) flipped, so it reads 513: the checksum matches once the field reads 1 again, so this is a damaged version-1 config, not a newer one.");

        byte[] newer = (byte[])config.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(newer.AsSpan(8), 2);
        Damaged(output, "fail_config_newer_version", "config", Rechecksummed(newer), "UnsupportedVersionException",
            "This repository was made by a newer Lockbox (format version 2); upgrade Lockbox to open it.",
            "The version field set to 2 and the checksum recomputed, as a newer Lockbox would write it.");

        byte[] longer = [.. Rechecksummed((byte[])newer.Clone()), .. new byte[64]];
        Damaged(output, "fail_config_newer_version_longer", "config", longer, "UnsupportedVersionException",
            "This repository was made by a newer Lockbox (format version 2); upgrade Lockbox to open it.",
            "A version-2 config 256 bytes long: the version is read before the length, so it is \"newer\", not \"damaged\".");

        byte[] range = (byte[])config.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(range.AsSpan(54), 1024);
        Damaged(output, "fail_config_pack_target_out_of_range", "config", Rechecksummed(range), "ConfigDamagedException",
            "Config damaged: its chunker or pack parameters are out of range.",
            "The pack target set to 1 KiB, the checksum recomputed.");

        using (var wrong = BackupKey.FromBytes(SHA256.HashData("lockbox fixture: not the key of repo-v1"u8)))
        {
            Directory.CreateDirectory(Path.Combine(output, "fail_wrong_key"));
            KeyFile.Write(Path.Combine(output, "fail_wrong_key", "key"), wrong, replace: false);
        }

        Expect(output, "fail_wrong_key", "WrongKeyException", "Wrong key: this backup key does not open this repository.",
            "repo-v1 intact, opened with the key in `key` (SHA-256 of a fixed phrase), which is not its key.");

        Directory.CreateDirectory(Path.Combine(output, "fail_key_malformed"));
        File.WriteAllText(Path.Combine(output, "fail_key_malformed", "key"), "0123 4567 89ab cdef 0123 4567 89ab cdef 0123 4567 89ab cdef 0123 4567 89ab cde\n");
        Expect(output, "fail_key_malformed", "FormatException", "A backup key has exactly 64 digits; this has 63.",
            "A key file with 63 digits: refused while parsing, before the repository is read.");
    }

    private static void Damaged(string output, string name, string file, byte[] bytes, string exception, string message, string description)
    {
        Directory.CreateDirectory(Path.Combine(output, name));
        File.WriteAllBytes(Path.Combine(output, name, file), bytes);
        Expect(output, name, exception, message, description);
    }

    private static void Expect(string output, string name, string exception, string message, string description) =>
        Write(Path.Combine(output, name, "expected-error.json"), new JsonObject
        {
            ["description"] = description,
            ["exception"] = exception,
            ["message"] = message,
        });

    private static void WriteSums(string output)
    {
        var lines = Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(output, f).Replace('\\', '/'))
            .Where(f => f != "SHA256SUMS")
            .Order(StringComparer.Ordinal)
            .Select(f =>
            {
                using var stream = File.OpenRead(Path.Combine(output, f));
                return $"{Convert.ToHexStringLower(SHA256.HashData(stream))}  {f}\n";
            });
        File.WriteAllText(Path.Combine(output, "SHA256SUMS"), string.Concat(lines));
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static void Write(string path, JsonNode node) => File.WriteAllText(path, node.ToJsonString(Indented) + "\n");
}

/// <summary>A clock the generator sets, so snapshot times are fixed.</summary>
internal sealed class FixedClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}
