using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lockbox.Crypto;
using Lockbox.Keys;
using Lockbox.Storage;

namespace Lockbox.Repository;

/// <summary>
/// An open repository: its config, keys and blob index, over one storage. Obtain one with
/// <see cref="InitAsync"/> or <see cref="OpenAsync(IStorage, BackupKey, CancellationToken)"/>; the key is checked before any data is read.
/// </summary>
public sealed class Repository : IDisposable
{
    private Repository(IStorage storage, RepositoryConfig config, byte[] masterKey, int indexSpillThreshold = 1_000_000)
    {
        Storage = storage;
        Index = new BlobIndex(indexSpillThreshold);
        Config = config;
        Keys = new MasterKeys(masterKey, config.RepositoryId);
        CryptographicOperations.ZeroMemory(masterKey);
        Chunker = new Chunking.FastCdc(config.Chunker, Keys.ChunkerKey);
    }

    /// <summary>Where the repository lives.</summary>
    public IStorage Storage { get; }

    internal RepositoryConfig Config { get; }

    internal MasterKeys Keys { get; }

    internal BlobIndex Index { get; }

    internal Chunking.FastCdc Chunker { get; }

    /// <summary>The repository id, as 64 hex digits.</summary>
    public string Id => Convert.ToHexStringLower(Config.RepositoryId);

    /// <summary>Creates a repository, with a fresh master key wrapped under <paramref name="key"/>.</summary>
    /// <exception cref="LockboxException">A repository already exists there.</exception>
    public static async Task<Repository> InitAsync(IStorage storage, BackupKey key, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(key);
        if (await storage.ExistsAsync(ObjectName.Config, cancellationToken).ConfigureAwait(false))
        {
            throw new LockboxException($"A repository already exists at {storage.Location}.");
        }

        var (config, masterKey) = RepositoryConfig.Create(key, (time ?? TimeProvider.System).GetUtcNow());
        await storage.WriteAsync(ObjectName.Config, config.Serialize(key), cancellationToken).ConfigureAwait(false);
        return new Repository(storage, config, masterKey);
    }

    /// <summary>Opens a repository: checks the key, then loads the index.</summary>
    /// <exception cref="WrongKeyException">The key does not open this repository.</exception>
    /// <exception cref="ConfigDamagedException">The config is damaged.</exception>
    public static Task<Repository> OpenAsync(IStorage storage, BackupKey key, CancellationToken cancellationToken = default) =>
        OpenAsync(storage, key, 1_000_000, cancellationToken);

    /// <summary>Opens a repository whose index moves to disk past <paramref name="indexSpillThreshold"/> blobs.</summary>
    internal static async Task<Repository> OpenAsync(IStorage storage, BackupKey key, int indexSpillThreshold, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(key);
        var (config, masterKey) = RepositoryConfig.Open(await ReadConfigAsync(storage, cancellationToken).ConfigureAwait(false), key);
        var repository = new Repository(storage, config, masterKey, indexSpillThreshold);
        try
        {
            await repository.LoadIndexAsync(cancellationToken).ConfigureAwait(false);
            return repository;
        }
        catch
        {
            repository.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Checks that <paramref name="key"/> opens the repository, reading only its config (not the
    /// index); returns the repository id.
    /// </summary>
    /// <exception cref="WrongKeyException">The key does not open this repository.</exception>
    public static async Task<string> CheckKeyAsync(IStorage storage, BackupKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(key);
        var (config, masterKey) = RepositoryConfig.Open(await ReadConfigAsync(storage, cancellationToken).ConfigureAwait(false), key);
        CryptographicOperations.ZeroMemory(masterKey);
        return Convert.ToHexStringLower(config.RepositoryId);
    }

    private static async Task<byte[]> ReadConfigAsync(IStorage storage, CancellationToken cancellationToken)
    {
        try
        {
            return await storage.ReadAsync(ObjectName.Config, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException)
        {
            throw new LockboxException($"There is no Lockbox repository at {storage.Location}.");
        }
    }

    /// <summary>All snapshots, oldest first.</summary>
    public async Task<IReadOnlyList<SnapshotInfo>> ListSnapshotsAsync(CancellationToken cancellationToken = default)
    {
        var result = new List<SnapshotInfo>();
        await foreach (var item in Storage.ListAsync(ObjectKind.Snapshot, cancellationToken).ConfigureAwait(false))
        {
            result.Add(new SnapshotInfo(item.Name.Name, await LoadSnapshotAsync(item.Name, cancellationToken).ConfigureAwait(false)));
        }

        result.Sort((a, b) => a.Snapshot.Time.CompareTo(b.Snapshot.Time));
        return result;
    }

    /// <summary>Finds a snapshot by id, unique id prefix, or "latest".</summary>
    public async Task<SnapshotInfo> FindSnapshotAsync(string idOrPrefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(idOrPrefix);
        var all = await ListSnapshotsAsync(cancellationToken).ConfigureAwait(false);
        if (idOrPrefix == "latest")
        {
            return all.Count > 0 ? all[^1] : throw new LockboxException("The repository has no snapshots.");
        }

        var matches = all.Where(s => s.Id.StartsWith(idOrPrefix, StringComparison.Ordinal)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new LockboxException($"No snapshot {idOrPrefix}."),
            _ => throw new LockboxException($"Snapshot id {idOrPrefix} is ambiguous; give more digits."),
        };
    }

    internal async Task<Snapshot> LoadSnapshotAsync(ObjectName name, CancellationToken cancellationToken)
    {
        byte[] bytes = await Storage.ReadAsync(name, cancellationToken).ConfigureAwait(false);
        return SnapshotFile.Open(bytes, name, Keys.Metadata);
    }

    internal async Task<string> SaveSnapshotAsync(Snapshot snapshot, CancellationToken cancellationToken)
    {
        string name = ObjectIds.NewName();
        await Storage.WriteAsync(new ObjectName(ObjectKind.Snapshot, name), SnapshotFile.Seal(snapshot, name, Keys.Metadata), cancellationToken).ConfigureAwait(false);
        return name;
    }

    /// <summary>The sizes of a snapshot's regular files, by path.</summary>
    public async Task<Dictionary<string, long>> LoadFileSizesAsync(SnapshotInfo snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        using var codec = new BlobCodec(Keys);
        var entries = await ReadManifestAsync(snapshot.Snapshot, codec, cancellationToken).ConfigureAwait(false);
        return entries.Where(e => e.Type == FileEntry.FileType).ToDictionary(e => e.Path, e => e.Size, StringComparer.Ordinal);
    }

    /// <summary>Reads a snapshot's file list.</summary>
    internal async Task<List<FileEntry>> ReadManifestAsync(Snapshot snapshot, BlobCodec codec, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        foreach (string id in snapshot.Manifest)
        {
            byte[] part = await ReadBlobAsync(BlobId.Parse(id), codec, cancellationToken).ConfigureAwait(false);
            buffer.Write(part);
        }

        return Manifest.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>Reads one blob and verifies it.</summary>
    internal async Task<byte[]> ReadBlobAsync(BlobId id, BlobCodec codec, CancellationToken cancellationToken)
    {
        if (!Index.TryGet(id, out var location))
        {
            throw new MissingDataException($"Blob {id} is in no index: the repository is missing data.");
        }

        var pack = new ObjectName(ObjectKind.Pack, location.Value.Pack);
        byte[] stored;
        try
        {
            stored = await Storage.ReadRangeAsync(pack, location.Value.Entry.Offset, (int)location.Value.Entry.StoredLength, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException e)
        {
            throw new MissingDataException($"Pack {pack.Path}, which holds blob {id}, is missing.", e);
        }
        catch (EndOfStreamException e)
        {
            throw new CorruptObjectException(pack, "it is shorter than its index says (truncated).", id, e);
        }

        return codec.Open(stored, location.Value.Entry, pack);
    }

    /// <summary>Writes an index file for freshly uploaded packs.</summary>
    internal async Task<long> WriteIndexAsync(IReadOnlyList<(string Pack, IReadOnlyList<PackEntry> Entries)> packs, CancellationToken cancellationToken)
    {
        if (packs.Count == 0)
        {
            return 0;
        }

        string name = ObjectIds.NewName();
        byte[] sealedIndex = IndexFile.Seal(packs, name, Keys.Metadata);
        await Storage.WriteAsync(new ObjectName(ObjectKind.Index, name), sealedIndex, cancellationToken).ConfigureAwait(false);
        return sealedIndex.Length;
    }

    /// <summary>Loads every index file into <see cref="Index"/>.</summary>
    internal async Task<IReadOnlyList<ObjectName>> LoadIndexAsync(CancellationToken cancellationToken)
    {
        var files = new List<ObjectName>();
        await foreach (var item in Storage.ListAsync(ObjectKind.Index, cancellationToken).ConfigureAwait(false))
        {
            byte[] bytes = await Storage.ReadAsync(item.Name, cancellationToken).ConfigureAwait(false);
            foreach (var (pack, entries) in IndexFile.Open(bytes, item.Name, Keys.Metadata))
            {
                Index.AddPack(pack, entries);
            }

            files.Add(item.Name);
        }

        return files;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Keys.Dispose();
        Index.Dispose();
    }
}
