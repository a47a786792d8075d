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
public sealed partial class Repository : IDisposable
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

    /// <summary>
    /// Every readable snapshot, oldest first, and every snapshot object that could not be read. A
    /// damaged snapshot costs only itself: the rest list, restore and back up as before.
    /// </summary>
    public async Task<SnapshotListing> ReadSnapshotsAsync(CancellationToken cancellationToken = default)
    {
        var intact = new List<SnapshotInfo>();
        var damaged = new List<DamagedObject>();
        await foreach (var item in Storage.ListAsync(ObjectKind.Snapshot, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                intact.Add(new SnapshotInfo(item.Name.Name, await LoadSnapshotAsync(item.Name, cancellationToken).ConfigureAwait(false)));
            }
            catch (CorruptObjectException e)
            {
                damaged.Add(new DamagedObject(item.Name, e.Message));
            }
            catch (ObjectNotFoundException)
            {
                // Deleted between the listing and the read (a forget elsewhere): it is simply gone.
            }
        }

        intact.Sort((a, b) => a.Snapshot.Time.CompareTo(b.Snapshot.Time));
        damaged.Sort((a, b) => string.CompareOrdinal(a.Name.Name, b.Name.Name));
        return new SnapshotListing(intact, damaged);
    }

    /// <summary>
    /// All snapshots, oldest first, for an operation that must account for every one of them (prune,
    /// key rotation, switching off): a snapshot it cannot read might use any data.
    /// </summary>
    /// <exception cref="DamagedSnapshotException">A snapshot object cannot be read.</exception>
    public async Task<IReadOnlyList<SnapshotInfo>> ListSnapshotsAsync(CancellationToken cancellationToken = default)
    {
        var listing = await ReadSnapshotsAsync(cancellationToken).ConfigureAwait(false);
        return listing.Damaged.Count == 0 ? listing.Intact : throw new DamagedSnapshotException(listing.Damaged);
    }

    /// <summary>Finds a readable snapshot by id, unique id prefix, or "latest" (the newest readable one).</summary>
    /// <exception cref="CorruptObjectException">The id names a snapshot that cannot be read.</exception>
    public async Task<SnapshotInfo> FindSnapshotAsync(string idOrPrefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(idOrPrefix);
        var listing = await ReadSnapshotsAsync(cancellationToken).ConfigureAwait(false);
        var all = listing.Intact;
        if (idOrPrefix == "latest")
        {
            return all.Count > 0 ? all[^1]
                : listing.Damaged.Count > 0 ? throw new CorruptObjectException(listing.Damaged[0].Name, $"no snapshot can be read ({listing.Damaged[0].Problem}).")
                : throw new LockboxException("The repository has no snapshots.");
        }

        var matches = all.Where(s => s.Id.StartsWith(idOrPrefix, StringComparison.Ordinal)).ToList();
        var damaged = listing.Damaged.Where(d => d.Name.Name.StartsWith(idOrPrefix, StringComparison.Ordinal)).ToList();
        return (matches.Count, damaged.Count) switch
        {
            (1, 0) => matches[0],
            (0, 1) => throw new CorruptObjectException(damaged[0].Name, $"this snapshot cannot be read ({damaged[0].Problem}); `lockbox forget {damaged[0].Name.Name[..8]}` removes it."),
            (0, 0) => throw new LockboxException($"No snapshot {idOrPrefix}."),
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

    /// <summary>
    /// Reads one blob and verifies it. A blob stored in more than one pack is read from the next
    /// copy when one is missing or fails verification; the first copy's error is reported when none
    /// can be read.
    /// </summary>
    internal async Task<byte[]> ReadBlobAsync(BlobId id, BlobCodec codec, CancellationToken cancellationToken)
    {
        var copies = Index.Locations(id);
        if (copies.Count == 0)
        {
            throw new MissingDataException($"Blob {id} is in no index: the repository is missing data.") { Blob = id };
        }

        LockboxException? first = null;
        foreach (var location in copies)
        {
            try
            {
                return await ReadCopyAsync(id, location, codec, cancellationToken).ConfigureAwait(false);
            }
            catch (LockboxException e) when (e is MissingDataException or CorruptObjectException)
            {
                first ??= e;
            }
        }

        throw first!;
    }

    /// <summary>
    /// Whether a copy of the blob in one of <paramref name="packs"/> reads and verifies: before
    /// prune lets a copy go because the blob is "kept elsewhere", it makes sure it is.
    /// </summary>
    internal async Task<bool> HasGoodCopyInAsync(BlobId id, IReadOnlySet<string> packs, CancellationToken cancellationToken)
    {
        using var codec = new BlobCodec(Keys);
        foreach (var location in Index.Locations(id).Where(l => packs.Contains(l.Pack)))
        {
            try
            {
                await ReadCopyAsync(id, location, codec, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (LockboxException e) when (e is MissingDataException or CorruptObjectException)
            {
                // Try the next copy.
            }
        }

        return false;
    }

    private async Task<byte[]> ReadCopyAsync(BlobId id, BlobLocation location, BlobCodec codec, CancellationToken cancellationToken)
    {
        var pack = new ObjectName(ObjectKind.Pack, location.Pack);
        byte[] stored;
        try
        {
            stored = await Storage.ReadRangeAsync(pack, location.Entry.Offset, (int)location.Entry.StoredLength, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException e)
        {
            throw new MissingDataException($"Pack {pack.Path}, which holds blob {id}, is missing.", e) { Pack = location.Pack };
        }
        catch (EndOfStreamException e)
        {
            throw new CorruptObjectException(pack, "it is shorter than its index says (truncated).", id, e);
        }

        return codec.Open(stored, location.Entry, pack);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Keys.Dispose();
        Index.Dispose();
    }
}
