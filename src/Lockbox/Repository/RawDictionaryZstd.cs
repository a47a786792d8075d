using ZstdSharp;
using ZstdSharp.Unsafe;

namespace Lockbox.Repository;

/// <summary>
/// zstd with a dictionary always taken as raw content (ZSTD_dct_rawContent, RFC 8878 §5), for page
/// deltas (docs/FORMAT.md §10). ZstdSharp's own LoadDictionary auto-detects: a base page that
/// happened to start with the dictionary magic (37 A4 30 EC) would be parsed as a formatted
/// dictionary, which no other reader of the format would do. One instance per thread.
/// </summary>
internal sealed unsafe class RawDictionaryZstd : IDisposable
{
    private readonly ZSTD_CCtx_s* _cctx;
    private readonly ZSTD_DCtx_s* _dctx;
    private bool _disposed;

    public RawDictionaryZstd(int level = 3)
    {
        _cctx = Methods.ZSTD_createCCtx();
        _dctx = Methods.ZSTD_createDCtx();
        if (_cctx == null || _dctx == null)
        {
            Dispose();
            throw new ZstdException(ZSTD_ErrorCode.ZSTD_error_GENERIC, "Failed to create a zstd context.");
        }

        Check(Methods.ZSTD_CCtx_setParameter(_cctx, ZSTD_cParameter.ZSTD_c_compressionLevel, level));
    }

    /// <summary>Compresses <paramref name="source"/> into one frame (content size recorded) with <paramref name="dictionary"/> as raw content; returns the frame's length.</summary>
    public int Compress(ReadOnlySpan<byte> source, ReadOnlySpan<byte> dictionary, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        fixed (byte* dict = dictionary)
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        {
            Check(Methods.ZSTD_CCtx_loadDictionary_advanced(_cctx, dict, (nuint)dictionary.Length, ZSTD_dictLoadMethod_e.ZSTD_dlm_byCopy, ZSTD_dictContentType_e.ZSTD_dct_rawContent));
            return (int)Check(Methods.ZSTD_compress2(_cctx, dst, (nuint)destination.Length, src, (nuint)source.Length));
        }
    }

    /// <summary>
    /// Decompresses <paramref name="source"/> with <paramref name="dictionary"/> as raw content into
    /// <paramref name="destination"/>; false if it is not zstd, does not fit, or has trailing bytes.
    /// </summary>
    public bool TryDecompress(ReadOnlySpan<byte> source, ReadOnlySpan<byte> dictionary, Span<byte> destination, out int written)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        written = 0;
        fixed (byte* dict = dictionary)
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        {
            Check(Methods.ZSTD_DCtx_loadDictionary_advanced(_dctx, dict, (nuint)dictionary.Length, ZSTD_dictLoadMethod_e.ZSTD_dlm_byCopy, ZSTD_dictContentType_e.ZSTD_dct_rawContent));
            nuint result = Methods.ZSTD_decompressDCtx(_dctx, dst, (nuint)destination.Length, src, (nuint)source.Length);
            if (Methods.ZSTD_isError(result))
            {
                return false;
            }

            written = (int)result;
            return true;
        }
    }

    private static nuint Check(nuint result) =>
        Methods.ZSTD_isError(result) ? throw new ZstdException(Methods.ZSTD_getErrorCode(result), Methods.ZSTD_getErrorName(result)) : result;

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_cctx != null)
        {
            Methods.ZSTD_freeCCtx(_cctx);
        }

        if (_dctx != null)
        {
            Methods.ZSTD_freeDCtx(_dctx);
        }
    }
}
