using Lockbox.Crypto;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Storage;
using ZstdSharp;

namespace Lockbox.Restore;

/// <summary>
/// Turns delta blobs back into database pages (docs/FORMAT.md §10): the base page is read back from
/// where the first pass wrote it, the delta is decompressed with it as the zstd dictionary, and the
/// result must have the page's id. One per pack and thread: a zstd context is not thread-safe.
/// </summary>
internal sealed class DeltaPageRebuilder(string staging, FileHandleCache files, MasterKeys keys, Func<BlobId, uint> baseLength) : IDisposable
{
    private readonly Decompressor _decompressor = new();

    public byte[] Rebuild(ReadOnlySpan<byte> delta, (string Path, long Offset, ContentElement Element) target, ObjectName pack)
    {
        var (path, offset, element) = target;
        byte[] basePage = new byte[baseLength(element.Base!.Value)];
        files.Read(Path.Combine(staging, path), basePage, offset);
        byte[] page = new byte[basePage.Length];
        _decompressor.LoadDictionary(basePage);
        if (!_decompressor.TryUnwrap(delta, page, out int written) || written != page.Length || keys.ComputeId(page) != element.Page)
        {
            throw new CorruptObjectException(pack, $"the delta for page {element.Page.ToShortString()} of {path} does not rebuild the page.", element.Delta);
        }

        return page;
    }

    public void Dispose() => _decompressor.Dispose();
}
