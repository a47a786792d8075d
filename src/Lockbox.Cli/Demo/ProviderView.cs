using System.Text;

namespace Lockbox.Cli.Demo;

/// <summary>What the storage provider sees in the demo's cloud folder: object names, sizes, and whether any plaintext shows.</summary>
internal static class ProviderView
{
    private static readonly byte[] SqliteHeader = "SQLite format 3\0"u8.ToArray();

    public static (int Objects, long Bytes, int Readable) Scan(string cloud, string knownText)
    {
        if (!Directory.Exists(cloud))
        {
            return (0, 0, 0);
        }

        byte[] text = Encoding.UTF8.GetBytes(knownText);
        int objects = 0, readable = 0;
        long bytes = 0;
        foreach (string file in Directory.EnumerateFiles(cloud, "*", SearchOption.AllDirectories))
        {
            byte[] content = File.ReadAllBytes(file);
            objects++;
            bytes += content.Length;
            if (content.AsSpan().IndexOf(SqliteHeader) >= 0 || content.AsSpan().IndexOf(text) >= 0)
            {
                readable++;
            }
        }

        return (objects, bytes, readable);
    }

    /// <summary>The first few object paths, relative to the cloud folder.</summary>
    public static IEnumerable<string> Sample(string cloud, int count) =>
        Directory.EnumerateFiles(cloud, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(cloud, f).Replace('\\', '/')).Order(StringComparer.Ordinal).Take(count);
}
