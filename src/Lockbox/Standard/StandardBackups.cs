using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using Lockbox.Backup;
using Lockbox.ChatStore;
using Lockbox.Repository;
using Lockbox.Storage;

namespace Lockbox.Standard;

/// <summary>
/// Standard backups: the chat store copied to storage as it is, not end-to-end encrypted. They are
/// the starting point that end-to-end encryption replaces; each file is cut into pieces named by
/// their SHA-256, so unchanged media is not uploaded twice and memory stays bounded.
/// </summary>
public sealed class StandardBackups(IStorage storage)
{
    /// <summary>The largest piece of a file stored as one object.</summary>
    public const int PieceSize = 16 * 1024 * 1024;

    /// <summary>Backs up the chat store at <paramref name="source"/>; the manifest is written last, so an interruption leaves earlier backups intact.</summary>
    /// <param name="source">The chat store.</param>
    /// <param name="time">Recorded as the backup's time.</param>
    /// <param name="hostname">Recorded as the device.</param>
    /// <param name="origin">Where an exported backup came from, or null.</param>
    /// <param name="scratch">Where the database copy is made: the device's work folder, which holds its plaintext anyway; the temp folder when null.</param>
    /// <param name="cancellationToken">Stops the backup; earlier ones stay intact.</param>
    /// <exception cref="LockboxException">End-to-end encryption was turned on meanwhile: no manifest is written, and the pieces this backup uploaded are deleted.</exception>
    public async Task<StandardBackupResult> BackupAsync(
        string source, DateTimeOffset time, string hostname, string? origin = null, string? scratch = null, CancellationToken cancellationToken = default)
    {
        var (items, _) = SourceScanner.Scan(Path.GetFullPath(source));
        var files = items.Where(i => !i.IsDirectory).ToList();
        var databases = files.Where(i => SqliteDatabase.IsDatabase(i.FullPath)).Select(i => i.FullPath).ToHashSet(StringComparer.Ordinal);
        files.RemoveAll(i => SqliteDatabase.CompanionSuffixes.Any(s => i.FullPath.EndsWith(s, StringComparison.Ordinal) && databases.Contains(i.FullPath[..^s.Length])));

        string work = scratch is null
            ? Directory.CreateTempSubdirectory("lockbox-standard-").FullName
            : Directory.CreateDirectory(Path.Combine(scratch, "standard-" + Guid.NewGuid().ToString("N")[..12])).FullName;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(PieceSize);
        try
        {
            var entries = new List<StandardFile>(files.Count);
            var uploaded = new UploadCounter();
            foreach (var item in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                string path = item.FullPath;
                if (databases.Contains(path))
                {
                    // A live database is copied through the online backup API, as the encrypted backup does.
                    path = Path.Combine(work, "database");
                    File.Delete(path);
                    SqliteDatabase.Copy(item.FullPath, path);
                }

                entries.Add(await StoreFileAsync(item.RelativePath, path, buffer, uploaded, cancellationToken).ConfigureAwait(false));
            }

            if (origin is null && await storage.ExistsAsync(ObjectName.Config, cancellationToken).ConfigureAwait(false))
            {
                // A switch to end-to-end encryption began while this backup ran: it must not leave plaintext behind.
                foreach (string piece in uploaded.Pieces)
                {
                    await storage.DeleteAsync(new ObjectName(ObjectKind.StandardFile, piece), cancellationToken).ConfigureAwait(false);
                }

                throw new LockboxException("End-to-end encryption was turned on for these backups while this standard backup ran; it was not kept.");
            }

            var snapshot = new StandardSnapshot { Time = time, Hostname = hostname, Origin = origin, Files = entries };
            string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            await storage.WriteAsync(new ObjectName(ObjectKind.StandardSnapshot, id), JsonSerializer.SerializeToUtf8Bytes(snapshot, StandardJson.Default.StandardSnapshot), cancellationToken)
                .ConfigureAwait(false);
            return new StandardBackupResult(new StandardSnapshotInfo(id, snapshot), uploaded.Bytes);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Every standard snapshot, oldest first.</summary>
    /// <exception cref="CorruptObjectException">A manifest does not parse.</exception>
    public async Task<IReadOnlyList<StandardSnapshotInfo>> ListAsync(CancellationToken cancellationToken = default)
    {
        var snapshots = new List<StandardSnapshotInfo>();
        await foreach (var item in storage.ListAsync(ObjectKind.StandardSnapshot, cancellationToken).ConfigureAwait(false))
        {
            byte[] json = await storage.ReadAsync(item.Name, cancellationToken).ConfigureAwait(false);
            try
            {
                var snapshot = JsonSerializer.Deserialize(json, StandardJson.Default.StandardSnapshot) ?? throw new JsonException("null manifest");
                snapshots.Add(new StandardSnapshotInfo(item.Name.Name, snapshot));
            }
            catch (JsonException e)
            {
                throw new CorruptObjectException(item.Name, "the standard manifest does not parse", inner: e);
            }
        }

        return [.. snapshots.OrderBy(s => s.Snapshot.Time).ThenBy(s => s.Id, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Writes every file of <paramref name="snapshot"/> below <paramref name="target"/>, checking each
    /// piece and each whole file against its SHA-256.
    /// </summary>
    /// <exception cref="CorruptObjectException">A piece or file does not match its hash.</exception>
    public async Task RestoreAsync(StandardSnapshotInfo snapshot, string target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        string root = Path.GetFullPath(target) + Path.DirectorySeparatorChar;
        foreach (var file in snapshot.Snapshot.Files)
        {
            string path = Path.GetFullPath(Path.Combine(root, file.Path));
            if (!path.StartsWith(root, StringComparison.Ordinal))
            {
                throw new LockboxException($"The standard backup lists a path outside the chat store: {file.Path}");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await using var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            using var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (string piece in file.Pieces)
            {
                byte[] data = await ReadPieceAsync(piece, cancellationToken).ConfigureAwait(false);
                whole.AppendData(data);
                await output.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            }

            if (Convert.ToHexStringLower(whole.GetHashAndReset()) != file.Sha256 || output.Length != file.Size)
            {
                throw new CorruptObjectException(new ObjectName(ObjectKind.StandardSnapshot, snapshot.Id), $"{file.Path} does not match its SHA-256");
            }
        }
    }

    /// <summary>
    /// Deletes the manifests of <paramref name="snapshots"/>, then every piece no remaining manifest
    /// lists (every version, on S3). Returns how many manifests remain: ones written meanwhile.
    /// </summary>
    public async Task<int> DeleteAsync(IEnumerable<StandardSnapshotInfo> snapshots, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        foreach (var snapshot in snapshots)
        {
            await storage.DeleteAsync(new ObjectName(ObjectKind.StandardSnapshot, snapshot.Id), cancellationToken).ConfigureAwait(false);
        }

        var remaining = await ListAsync(cancellationToken).ConfigureAwait(false);
        var kept = remaining.SelectMany(s => s.Snapshot.Files).SelectMany(f => f.Pieces).ToHashSet(StringComparer.Ordinal);
        var pieces = new List<ObjectName>();
        await foreach (var item in storage.ListAsync(ObjectKind.StandardFile, cancellationToken).ConfigureAwait(false))
        {
            if (!kept.Contains(item.Name.Name))
            {
                pieces.Add(item.Name);
            }
        }

        foreach (var piece in pieces)
        {
            await storage.DeleteAsync(piece, cancellationToken).ConfigureAwait(false);
        }

        return remaining.Count;
    }

    /// <summary>
    /// Reads back every piece of <paramref name="snapshots"/> and checks it against its SHA-256: each
    /// piece once, however many snapshots share it.
    /// </summary>
    /// <exception cref="CorruptObjectException">A piece does not match.</exception>
    /// <exception cref="ObjectNotFoundException">A piece is missing.</exception>
    public async Task VerifyAsync(IEnumerable<StandardSnapshotInfo> snapshots, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        foreach (string piece in snapshots.SelectMany(s => s.Snapshot.Files).SelectMany(f => f.Pieces).Distinct(StringComparer.Ordinal))
        {
            await ReadPieceAsync(piece, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A piece, checked against the SHA-256 that names it.</summary>
    private async Task<byte[]> ReadPieceAsync(string piece, CancellationToken cancellationToken)
    {
        var name = new ObjectName(ObjectKind.StandardFile, piece);
        byte[] data = await storage.ReadAsync(name, cancellationToken).ConfigureAwait(false);
        if (Convert.ToHexStringLower(SHA256.HashData(data)) != piece)
        {
            throw new CorruptObjectException(name, "the piece does not match its SHA-256");
        }

        return data;
    }

    /// <summary>How many standard snapshots and objects the storage lists, and their total size: listed, not read.</summary>
    public async Task<(int Snapshots, int Objects, long Bytes)> CountAsync(CancellationToken cancellationToken = default)
    {
        int snapshots = 0;
        int objects = 0;
        long bytes = 0;
        foreach (var kind in Kinds)
        {
            await foreach (var item in storage.ListAsync(kind, cancellationToken).ConfigureAwait(false))
            {
                snapshots += kind == ObjectKind.StandardSnapshot ? 1 : 0;
                objects++;
                bytes += item.Size;
            }
        }

        return (snapshots, objects, bytes);
    }

    private static readonly ObjectKind[] Kinds = [ObjectKind.StandardSnapshot, ObjectKind.StandardFile];

    private async Task<StandardFile> StoreFileAsync(string relativePath, string path, byte[] buffer, UploadCounter uploaded, CancellationToken cancellationToken)
    {
        var pieces = new List<string>();
        using var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size = 0;
        await using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, useAsync: true);
        while (true)
        {
            int read = await input.ReadAtLeastAsync(buffer.AsMemory(0, PieceSize), PieceSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read == 0 && pieces.Count > 0)
            {
                break;
            }

            var piece = buffer.AsMemory(0, read);
            whole.AppendData(piece.Span);
            string hash = Convert.ToHexStringLower(SHA256.HashData(piece.Span));
            var name = new ObjectName(ObjectKind.StandardFile, hash);
            if (!await storage.ExistsAsync(name, cancellationToken).ConfigureAwait(false))
            {
                await storage.WriteAsync(name, piece, cancellationToken).ConfigureAwait(false);
                uploaded.Bytes += read;
                uploaded.Pieces.Add(hash);
            }

            pieces.Add(hash);
            size += read;
            if (read < PieceSize)
            {
                break;
            }
        }

        return new StandardFile { Path = relativePath, Size = size, Sha256 = Convert.ToHexStringLower(whole.GetHashAndReset()), Pieces = pieces };
    }

    private sealed class UploadCounter
    {
        public long Bytes { get; set; }

        public List<string> Pieces { get; } = [];
    }
}

/// <summary>A standard backup made, and how many bytes it uploaded (pieces already stored are not sent again).</summary>
public sealed record StandardBackupResult(StandardSnapshotInfo Snapshot, long UploadedBytes);
