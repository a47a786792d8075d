using System.Buffers;
using System.Text.Json;

namespace Lockbox.Repository;

/// <summary>A snapshot's manifest (docs/FORMAT.md, "Snapshots and manifests"): UTF-8 JSON lines, one <see cref="FileEntry"/> each.</summary>
internal static class Manifest
{
    /// <summary>Writes the entries straight to UTF-8 JSON lines: no intermediate string of the whole manifest.</summary>
    public static ArrayBufferWriter<byte> Write(IEnumerable<FileEntry> entries)
    {
        var text = new ArrayBufferWriter<byte>(1 << 16);
        using var writer = new Utf8JsonWriter(text);
        foreach (var entry in entries)
        {
            JsonSerializer.Serialize(writer, entry, RepositoryJson.Default.FileEntry);
            writer.Flush();
            writer.Reset();
            text.Write("\n"u8);
        }

        return text;
    }

    /// <summary>Parses the concatenated tree blobs, line by line from the UTF-8 bytes: no string of the whole manifest.</summary>
    public static List<FileEntry> Parse(ReadOnlySpan<byte> manifest)
    {
        var entries = new List<FileEntry>();
        ReadOnlySpan<byte> rest = manifest;
        while (!rest.IsEmpty)
        {
            int end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 1)..];
            if (!line.IsEmpty)
            {
                entries.Add(Validate(Deserialize(line)));
            }
        }

        return entries;
    }

    private static FileEntry Deserialize(ReadOnlySpan<byte> line)
    {
        try
        {
            return JsonSerializer.Deserialize(line, RepositoryJson.Default.FileEntry)
                ?? throw new LockboxException("A snapshot manifest has an empty entry.");
        }
        catch (JsonException e)
        {
            // Authenticated but unreadable: written by a broken or newer writer.
            throw new LockboxException("A snapshot manifest has an entry that is not valid JSON of a file or folder.", e);
        }
    }

    /// <summary>JSON allows null where the format has a value; an entry is used only once every field is one.</summary>
    private static FileEntry Validate(FileEntry entry)
    {
        if (entry.Path is null || entry.Type is not (FileEntry.FileType or FileEntry.DirectoryType) || (entry.Content?.Contains(null!) ?? false))
        {
            throw new LockboxException("A snapshot manifest has an entry without a path, a known type or a valid content list.");
        }

        return entry;
    }
}
