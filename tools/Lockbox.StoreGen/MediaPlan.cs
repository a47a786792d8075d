using System.Globalization;

namespace Lockbox.StoreGen;

internal enum MediaKind { Image, Video, VoiceNote, Document }

/// <summary>One media file to write: its size and kind are drawn up front; its name comes from the message it is attached to.</summary>
internal sealed class MediaFile(MediaKind kind, long size, int contentSeed)
{
    public MediaKind Kind { get; } = kind;
    public long Size { get; } = size;
    public int ContentSeed { get; } = contentSeed;
    public string? RelativePath { get; set; }
}

/// <summary>Draws media sizes until a byte budget is spent, with photo-, video-, voice- and document-like sizes.</summary>
internal static class MediaPlan
{
    private static readonly string[] DocumentNames =
    [
        "Präsentation Zürich", "Rechnung März", "contrato alquiler", "résumé", "Отчёт", "旅行の予定", "menu",
        "boarding pass", "تذكرة", "scan", "Mietvertrag Köln", "invoice",
    ];

    public static List<MediaFile> Draw(Random random, long budget, int seed)
    {
        var files = new List<MediaFile>();
        long total = 0;
        while (total < budget)
        {
            double u = random.NextDouble();
            (MediaKind kind, long min, long max) = u switch
            {
                < 0.80 => (MediaKind.Image, 50L * 1024, 3L * 1024 * 1024),
                < 0.84 => (MediaKind.Video, 2L * 1024 * 1024, 30L * 1024 * 1024),
                < 0.96 => (MediaKind.VoiceNote, 5L * 1024, 400L * 1024),
                _ => (MediaKind.Document, 20L * 1024, 2L * 1024 * 1024),
            };
            // Log-uniform: many small files, few large ones, as on a phone.
            long size = (long)(min * Math.Pow((double)max / min, random.NextDouble()));
            size = Math.Min(size, budget - total);
            if (size < 1024)
            {
                break;
            }
            files.Add(new MediaFile(kind, size, Seeds.Derive(seed, files.Count)));
            total += size;
        }
        return files;
    }

    /// <summary>Names a file like a messaging app does, e.g. <c>Images/IMG-20240131-WA0007.jpg</c>.</summary>
    public static string Name(MediaFile file, DateTime sentUtc, Random random, Func<string, bool> taken)
    {
        string day = sentUtc.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        for (int n = 0; ; n++)
        {
            string seq = n.ToString("D4", CultureInfo.InvariantCulture);
            string path = file.Kind switch
            {
                MediaKind.Image => $"Images/IMG-{day}-WA{seq}.jpg",
                MediaKind.Video => $"Video/VID-{day}-WA{seq}.mp4",
                MediaKind.VoiceNote => $"Voice Notes/{sentUtc.ToString("yyyyMM", CultureInfo.InvariantCulture)}/PTT-{day}-WA{seq}.opus",
                _ => $"Documents/{DocumentNames[random.Next(DocumentNames.Length)]} {day}-{seq}.pdf",
            };
            if (!taken(path))
            {
                return path;
            }
        }
    }

    /// <summary>Writes incompressible bytes drawn from the file's own seed, two files at a time.</summary>
    public static async Task WriteAsync(string mediaRoot, IReadOnlyList<MediaFile> files, CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(
            files,
            new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = cancellationToken },
            async (file, ct) =>
            {
                string path = Path.Combine(mediaRoot, file.RelativePath!);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                var random = new Random(file.ContentSeed);
                byte[] buffer = new byte[1 << 20];
                await using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, useAsync: true);
                for (long left = file.Size; left > 0;)
                {
                    int n = (int)Math.Min(buffer.Length, left);
                    random.NextBytes(buffer.AsSpan(0, n));
                    await stream.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                    left -= n;
                }
            }).ConfigureAwait(false);
    }
}
