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
        var paths = new HashSet<string>(StringComparer.Ordinal);
        ReadOnlySpan<byte> rest = manifest;
        while (!rest.IsEmpty)
        {
            int end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 1)..];
            if (!line.IsEmpty)
            {
                var entry = Validate(Deserialize(line));
                if (!paths.Add(entry.Path))
                {
                    throw new LockboxException($"A snapshot manifest lists the path {entry.Path} twice.");
                }

                entries.Add(entry);
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

        if (!IsSafePath(entry.Path))
        {
            // Never echoed whole: it may hold control characters.
            throw new LockboxException("A snapshot manifest has an unsafe path (absolute, empty, with a . or .. component, or a NUL); nothing is restored from it.");
        }

        return entry;
    }

    /// <summary>
    /// Relative, '/'-separated, every component non-empty and neither "." nor "..", no NUL
    /// (docs/FORMAT.md §8). These rules hold on every platform: a name that is legal where it was
    /// backed up (a ':' on a phone) is never taken for damage to the whole file list elsewhere.
    /// </summary>
    internal static bool IsSafePath(string path)
    {
        if (path.Length == 0 || path.Contains('\0'))
        {
            return false;
        }

        foreach (var component in path.Split('/'))
        {
            if (component is "" or "." or "..")
            {
                return false;
            }
        }

        return true;
    }
}
