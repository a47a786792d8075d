using System.Security.Cryptography;
using System.Text;
using Lockbox.Crypto;
using Lockbox.Repository;

namespace Lockbox.Backup;

/// <summary>
/// Stores an SQLite database copy page by page (docs/FORMAT.md, "Database pages"). A page unchanged
/// since the parent snapshot costs nothing. A changed page is stored as a zstd delta against the
/// same page of a *base*: an earlier full copy kept in the device's cache, whose pages are all
/// stored as whole blobs. Deltas are always against the base, never against another delta, so
/// restoring a page needs at most two blobs. When most pages have become deltas, the next backup
/// stores the pages whole again and its copy becomes the new base.
/// </summary>
internal sealed class DatabasePageArchiver : IDisposable
{
    /// <summary>A delta is kept only when it is at most half the page.</summary>
    private const int DeltaWorthwhileDivisor = 2;

    /// <summary>Rebase once more than this share of pages are deltas.</summary>
    private const double RebaseShare = 0.5;

    private readonly Repository.Repository _repository;
    private readonly RawDictionaryZstd _zstd = new(3);

    public DatabasePageArchiver(Repository.Repository repository) => _repository = repository;

    /// <summary>Stores a blob whose id the caller has already computed.</summary>
    public delegate ValueTask StoreBlob(BlobId id, ReadOnlySpan<byte> plaintext, BlobType type);

    /// <summary>The base copy's location in the cache for one database of one source.</summary>
    public static string BasePath(string cacheFolder, string source, string relativePath) =>
        Path.Combine(cacheFolder, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(source + "\0" + relativePath)))[..32] + ".base");

    /// <summary>Archives <paramref name="copy"/>; afterwards it may have been moved to become the new base.</summary>
    public async Task<(List<string> Content, long Length)> ArchiveAsync(
        string copy, int pageSize, IReadOnlyList<string>? parentContent, string basePath, StoreBlob store, CancellationToken cancellationToken)
    {
        bool haveBase = parentContent is not null && File.Exists(basePath) && new FileInfo(basePath).Length % pageSize == 0;
        var content = new List<string>();
        long length = 0;
        int deltas = 0;
        byte[] page = new byte[pageSize];
        byte[] basePage = new byte[pageSize];
        byte[] delta = new byte[ZstdSharp.Compressor.GetCompressBound(pageSize)];
        await using (var reader = new FileStream(copy, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan))
        await using (var baseReader = haveBase ? new FileStream(basePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan) : null)
        {
            for (int index = 0; ; index++)
            {
                int read = await reader.ReadAtLeastAsync(page, pageSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                var pageId = _repository.Keys.ComputeId(page.AsSpan(0, read));
                bool baseAvailable = baseReader is not null
                    && await baseReader.ReadAtLeastAsync(basePage, pageSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) == pageSize;
                length += read;

                // Unchanged since the parent: reuse its element, whole or delta, while every blob it
                // names has a good copy. A rebase (no base) stores every page whole, so that its copy
                // can serve as the next base.
                if (parentContent is not null && index < parentContent.Count && Matches(parentContent[index], pageId, out string? reused)
                    && (haveBase || reused.Length == 64) && HasGoodCopies(reused, pageId))
                {
                    content.Add(reused);
                    deltas += reused.Length > 64 ? 1 : 0;
                    continue;
                }

                if (baseAvailable && read == pageSize)
                {
                    var baseId = _repository.Keys.ComputeId(basePage);
                    if (baseId != pageId && _repository.Index.Contains(baseId))
                    {
                        int deltaLength = Delta(page, basePage, delta);
                        if (deltaLength <= pageSize / DeltaWorthwhileDivisor)
                        {
                            var deltaId = _repository.Keys.ComputeId(delta.AsSpan(0, deltaLength));
                            await store(deltaId, delta.AsSpan(0, deltaLength), BlobType.Delta).ConfigureAwait(false);
                            content.Add(new ContentElement(pageId, deltaId, baseId).ToString());
                            deltas++;
                            continue;
                        }
                    }
                }

                await store(pageId, page.AsSpan(0, read), BlobType.Data).ConfigureAwait(false);
                content.Add(pageId.ToString());
            }
        }

        if (!haveBase || deltas > RebaseShare * content.Count)
        {
            if (haveBase)
            {
                // Too many deltas: next time store whole pages and start from a fresh base.
                File.Delete(basePath);
            }
            else if (deltas == 0)
            {
                // Every page is now a whole blob in the repository: this copy is the new base. It is
                // the user's own chat history in the clear, so only the user may read it.
                string folder = Path.GetDirectoryName(basePath)!;
                if (OperatingSystem.IsWindows())
                {
                    Directory.CreateDirectory(folder);
                }
                else
                {
                    Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                    File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                File.Move(copy, basePath, overwrite: true);
            }
        }

        return (content, length);
    }

    private int Delta(byte[] page, byte[] basePage, byte[] output) => _zstd.Compress(page, basePage, output);

    /// <summary>Whether every blob the element names has a copy not set aside; a whole page (the common case) is one lookup, no parse.</summary>
    private bool HasGoodCopies(string element, BlobId pageId)
    {
        if (element.Length == 64)
        {
            return _repository.Index.Contains(pageId);
        }

        var delta = ContentElement.Parse(element);
        return _repository.Index.Contains(delta.Delta!.Value) && _repository.Index.Contains(delta.Base!.Value);
    }

    private static bool Matches(string parentElement, BlobId pageId, out string reused)
    {
        reused = parentElement;
        return parentElement.Length >= 64 && parentElement.AsSpan(0, 64).SequenceEqual(pageId.ToString());
    }

    public void Dispose() => _zstd.Dispose();
}
