using Lockbox.Crypto;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Storage;
using ZstdSharp;

namespace Lockbox.Restore;

/// <summary>
/// Turns delta blobs back into database pages (docs/FORMAT.md §10): the base page is read back from
/// where the first pass wrote it, the delta is decompressed with it as the zstd dictionary, and the
/// result must have the page's id. One per worker thread: a zstd context is not thread-safe.
/// </summary>
internal sealed class DeltaPageRebuilder(string staging, FileHandleCache files, MasterKeys keys, Func<BlobId, uint> baseLength) : IDisposable
{
    private readonly Decompressor _decompressor = new();
    private byte[] _basePage = [];
    private byte[] _page = [];

    /// <summary>The rebuilt page; valid until the next call.</summary>
    public ReadOnlySpan<byte> Rebuild(ReadOnlySpan<byte> delta, RestoreTarget target, ObjectName pack)
    {
        var (path, offset, element) = target;
        int length = (int)baseLength(element.Base!.Value);
        if (_basePage.Length != length)
        {
            _basePage = new byte[length];
            _page = new byte[length];
        }

        files.Read(Path.Combine(staging, path), _basePage, offset);
        _decompressor.LoadDictionary(_basePage);
        if (!_decompressor.TryUnwrap(delta, _page, out int written) || written != _page.Length || keys.ComputeId(_page) != element.Page)
        {
            throw new CorruptObjectException(pack, $"the delta for page {element.Page.ToShortString()} of {path} does not rebuild the page.", element.Delta);
        }

        return _page;
    }

    public void Dispose() => _decompressor.Dispose();
}
