using Lockbox.Crypto;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Storage;

namespace Lockbox.Restore;

/// <summary>
/// Rebuilds a database page stored as a zstd delta against its base page (docs/FORMAT.md §10): the
/// base page, just decrypted and verified, is the dictionary; the rebuilt page must match its keyed
/// id. One instance per worker thread.
/// </summary>
internal sealed class DeltaPageRebuilder(MasterKeys keys) : IDisposable
{
    private readonly RawDictionaryZstd _zstd = new();
    private byte[] _page = [];

    /// <summary>The page <paramref name="element"/> names, from its verified base and delta; the span is valid until the next call.</summary>
    public ReadOnlySpan<byte> Rebuild(ReadOnlySpan<byte> basePage, ReadOnlySpan<byte> delta, ContentElement element, string path, ObjectName pack)
    {
        if (_page.Length != basePage.Length)
        {
            _page = new byte[basePage.Length];
        }

        if (!_zstd.TryDecompress(delta, basePage, _page, out int written) || written != _page.Length || keys.ComputeId(_page) != element.Page)
        {
            throw new CorruptObjectException(pack, $"the delta for page {element.Page.ToShortString()} of {path} does not rebuild the page.", element.Delta);
        }

        return _page;
    }

    public void Dispose() => _zstd.Dispose();
}
