using Lockbox.Repository;
using Lockbox.Storage;

namespace Lockbox.Restore;

/// <summary>
/// Decrypts consecutive blobs of one file into one aligned buffer, placed so that buffer and
/// file offsets agree modulo the direct I/O alignment, and hands the run to
/// <see cref="WriteBehind"/> to be written with one call.
/// </summary>
internal sealed class RunWriter(Restorer.PassContext context, Keys.MasterKeys keys, WriteBehind writes) : IDisposable
{
    private readonly DeltaPageRebuilder _rebuilder = new(keys);
    private PackBuffer? _buffer;
    private string? _path;
    private long _fileStart;
    private int _start;
    private int _end;
    private byte[] _deltaScratch = [];

    public void Add(BlobCodec codec, ReadOnlySpan<byte> stored, PackEntry entry, List<RestoreTarget> targets, ObjectName name)
    {
        var first = targets[0];
        int raw = (int)entry.RawLength;
        bool continues = _path is not null && first.Path == _path && first.Offset == _fileStart + (_end - _start) && _end + raw <= _buffer!.Length;
        if (!continues)
        {
            Flush();
            int at = (int)(first.Offset % DirectIo.Alignment);
            _buffer ??= writes.Rent();
            if (at + raw > _buffer.Length)
            {
                WriteAlone(codec, stored, entry, targets, name);
                return;
            }

            _path = first.Path;
            _fileStart = first.Offset;
            _start = _end = at;
        }

        var blob = _buffer!.Span.Slice(_end, raw);
        codec.OpenInto(stored, entry, name, blob);
        _end += raw;

        // The other places first: the first one's page may be rebuilt over the base in the buffer.
        for (int i = 1; i < targets.Count; i++)
        {
            Write(targets[i].Path, Content(blob, targets[i], name), targets[i].Offset);
        }

        if (first.Element.IsDelta)
        {
            Content(blob, first, name).CopyTo(blob);
        }
    }

    /// <summary>What goes at <paramref name="target"/>: the blob itself, or the page its delta rebuilds from it.</summary>
    private ReadOnlySpan<byte> Content(ReadOnlySpan<byte> blob, RestoreTarget target, ObjectName name)
    {
        if (!target.Element.IsDelta)
        {
            return blob;
        }

        if (!context.Deltas.TryGet(target.Element.Delta!.Value, ref _deltaScratch, out var delta, out var pack))
        {
            throw new CorruptObjectException(name, $"the delta for page {target.Element.Page.ToShortString()} of {target.Path} was not fetched.", target.Element.Delta);
        }

        return _rebuilder.Rebuild(blob, delta, target.Element, target.Path, pack);
    }

    public void Flush()
    {
        if (_path is not null && _end > _start)
        {
            // The buffer is the writer's from here on, even if the submission fails.
            var full = _buffer!;
            _buffer = null;
            writes.Submit(_path, full, _start, _end, _fileStart);
        }

        _path = null;
        _start = _end = 0;
    }

    /// <summary>A blob larger than the run buffer: rare, written on its own.</summary>
    private void WriteAlone(BlobCodec codec, ReadOnlySpan<byte> stored, PackEntry entry, List<RestoreTarget> targets, ObjectName name)
    {
        byte[] plaintext = codec.Open(stored, entry, name);
        foreach (var target in targets)
        {
            Write(target.Path, Content(plaintext, target, name), target.Offset);
        }
    }

    private void Write(string path, ReadOnlySpan<byte> data, long offset) =>
        context.Files.Write(Path.Combine(context.Staging, path), data, offset, direct: !context.Buffered.Contains(path));

    public void Dispose()
    {
        if (_buffer is not null)
        {
            writes.Return(_buffer);
        }

        _rebuilder.Dispose();
    }
}
