using System.Security.Cryptography;
using System.Text.Json;
using Lockbox.Keys;

namespace Lockbox.Tests.Fixtures;

/// <summary>
/// The committed fixtures of tests/fixtures (see its README.md), copied beside the test assembly by
/// the project file. They are only ever read: a test that needs to open or damage a repository works
/// on a copy in a fresh temporary folder.
/// </summary>
internal static class FrozenFixtures
{
    public static string Root { get; } = Path.Combine(AppContext.BaseDirectory, "fixtures");

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public static JsonDocument Json(params string[] parts) => JsonDocument.Parse(File.ReadAllBytes(PathOf(parts)));

    public static BackupKey Key(string file) => BackupKey.Parse(File.ReadAllText(PathOf(file)));

    /// <summary>Copies the fixture folder <paramref name="name"/> into <paramref name="target"/>, file by file.</summary>
    public static string CopyTo(string name, string target)
    {
        string source = PathOf(name);
        Directory.CreateDirectory(target);
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string copy = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }

        return target;
    }

    /// <summary>Every entry under <paramref name="root"/> as one line: path, type, mode (octal, when asked), size and SHA-256.</summary>
    public static List<string> Listing(string root, bool withModes)
    {
        var lines = new List<string>();
        foreach (string path in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            bool folder = Directory.Exists(path);
            string mode = withModes && !OperatingSystem.IsWindows() ? " " + Convert.ToString((int)File.GetUnixFileMode(path), 8).PadLeft(4, '0') : "";
            if (folder)
            {
                lines.Add($"{relative} dir{mode}");
            }
            else
            {
                using var stream = File.OpenRead(path);
                lines.Add($"{relative} file{mode} {new FileInfo(path).Length} {Convert.ToHexStringLower(SHA256.HashData(stream))}");
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    /// <summary>The entries an expected.json records for one snapshot, in <see cref="Listing"/>'s form.</summary>
    public static List<string> ExpectedListing(JsonElement snapshot, bool withModes)
    {
        var lines = new List<string>();
        foreach (var entry in snapshot.GetProperty("entries").EnumerateArray())
        {
            string path = entry.GetProperty("path").GetString()!;
            string type = entry.GetProperty("type").GetString()!;
            string mode = withModes && !OperatingSystem.IsWindows() ? " " + entry.GetProperty("mode").GetString() : "";
            lines.Add(type == "dir"
                ? $"{path} dir{mode}"
                : $"{path} file{mode} {entry.GetProperty("size").GetInt64()} {entry.GetProperty("sha256").GetString()}");
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }
}
