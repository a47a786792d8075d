using System.Text;
using Lockbox.Check;
using Lockbox.Crypto;
using Lockbox.Device;

namespace Lockbox.Backup;

/// <summary>
/// The stored copies the last check on this device found damaged or missing, kept in the device's
/// cache for the repository (one "pack blob" pair of hex names per line, mode 0600), so that the
/// next backup stores those blobs again instead of pointing new snapshots at them. The names are
/// keyed ids: they say nothing about the content. A missing or unreadable list is an empty one:
/// at worst a backup trusts a copy that check would have flagged.
/// </summary>
internal static class KnownDamage
{
    private const string FileName = "damaged-copies";

    /// <summary>
    /// Records what a check found. A check that read the data replaces the list; a structural
    /// check, which cannot see damage inside packs, adds to it.
    /// </summary>
    public static void Remember(string? cacheFolder, string repositoryId, CheckResult result, bool readData)
    {
        string folder = CacheFolders.Resolve(cacheFolder, repositoryId);
        var copies = readData ? [] : Load(cacheFolder, repositoryId).ToHashSet();
        copies.UnionWith(result.DamagedCopies);
        if (copies.Count == 0 && !File.Exists(Path.Combine(folder, FileName)))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var text = new StringBuilder();
        foreach (var (pack, id) in copies.OrderBy(c => c.Pack, StringComparer.Ordinal).ThenBy(c => c.Id))
        {
            text.Append(pack).Append(' ').Append(id.ToString()).Append('\n');
        }

        AtomicFile.Write(Path.Combine(folder, FileName), Encoding.ASCII.GetBytes(text.ToString()), replace: true);
    }

    /// <summary>The copies recorded for the repository; empty when none are.</summary>
    public static List<(string Pack, BlobId Id)> Load(string? cacheFolder, string repositoryId)
    {
        string path = Path.Combine(CacheFolders.Resolve(cacheFolder, repositoryId), FileName);
        var copies = new List<(string Pack, BlobId Id)>();
        if (!File.Exists(path))
        {
            return copies;
        }

        try
        {
            Read(path, copies);
        }
        catch (Exception e) when (e is IOException or FormatException)
        {
            copies.Clear();
        }

        return copies;
    }

    private static void Read(string path, List<(string Pack, BlobId Id)> copies)
    {
        foreach (string line in File.ReadLines(path))
        {
            string[] parts = line.Split(' ');
            if (parts.Length == 2)
            {
                copies.Add((parts[0], BlobId.Parse(parts[1])));
            }
        }
    }
}
