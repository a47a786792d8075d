// Which handling of the SQLite message database gives the smallest daily upload to a dedup store?
// Generates a store, snapshots it with SQLite's online backup API, grows it by one day, snapshots
// again, and measures each strategy on the two copies. See bench/results/db-upload-strategies.md.
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using DbUploadStrategies;
using Lockbox.StoreGen;
using Microsoft.Data.Sqlite;

long messages = 1_000_000;
int seed = 1;
double recentShare = new GrowOptions().RecentShareOfEdits;
string? outPath = null;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--messages": messages = long.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--seed": seed = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--recent-share": recentShare = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--out": outPath = args[i + 1]; break;
        default:
            Console.Error.WriteLine("usage: DbUploadStrategies [--messages N] [--seed N] [--recent-share F] [--out results.md]");
            return 2;
    }
}

string work = Directory.CreateTempSubdirectory("db-upload-strategies-").FullName;
try
{
    var clock = Stopwatch.StartNew();
    string store = Path.Combine(work, "store");
    StoreSummary generated = await ChatStoreGenerator.GenerateAsync(store, new GenerateOptions { Seed = seed, Messages = messages, MediaBytes = 0 });
    string copy0 = Path.Combine(work, "day0.db"), copy1 = Path.Combine(work, "day1.db");
    Snapshot(ChatStoreGenerator.DatabasePath(store), copy0);
    GrowSummary grown = await ChatStoreGenerator.GrowAsync(store, new GrowOptions { MediaBytes = 0, RecentShareOfEdits = recentShare });
    Snapshot(ChatStoreGenerator.DatabasePath(store), copy1);
    Console.Error.WriteLine($"store and snapshots ready in {clock.Elapsed.TotalSeconds:F1} s");

    byte[] day0 = await File.ReadAllBytesAsync(copy0);
    byte[] day1 = await File.ReadAllBytesAsync(copy1);
    int pageSize = BinaryPrimitives.ReadUInt16BigEndian(day1.AsSpan(16, 2)) is var p && p == 1 ? 65536 : p;

    var report = new StringBuilder();
    report.AppendLine(CultureInfo.InvariantCulture, $"Store: {generated.Messages:N0} messages, {generated.Chats} chats (seed {seed}); day 1: +{grown.AddedMessages:N0} messages, {grown.EditedMessages:N0} edited, {grown.DeletedMessages:N0} deleted ({recentShare:P0} of edits on the newest 5% of rows).");
    report.AppendLine(CultureInfo.InvariantCulture, $"Backup-API copies: day 0 {day0.Length / 1048576.0:F1} MiB, day 1 {day1.Length / 1048576.0:F1} MiB, page size {pageSize} B.");
    report.AppendLine();
    Churn(report, day0, day1, pageSize);

    var results = new List<StrategyResult>();
    void Cdc(string name, int min, int avg, int max)
    {
        var cdc = new FastCdc(min, avg, max);
        results.Add(BlobStats.Measure($"{name} ({cdc.Describe()})", BlobStats.Chunks(day0, cdc), BlobStats.Chunks(day1, cdc)));
    }
    Cdc("a. CDC whole file, restic-like", 512 << 10, 1 << 20, 8 << 20);
    Cdc("b. CDC small", 16 << 10, 64 << 10, 256 << 10);
    Cdc("b. CDC small", 4 << 10, 16 << 10, 64 << 10);
    foreach (int pages in new[] { 1, 2, 4, 16 })
    {
        string label = pages == 1 ? "c. one blob per page" : $"c. {pages} pages per blob";
        results.Add(BlobStats.Measure($"{label} ({pages * pageSize / 1024} KiB fixed, page-aligned)", BlobStats.Fixed(day0, pages * pageSize), BlobStats.Fixed(day1, pages * pageSize)));
    }
    byte[] export0 = LogicalExport.Export(copy0), export1 = LogicalExport.Export(copy1);
    var small = new FastCdc(4 << 10, 16 << 10, 64 << 10);
    results.Add(BlobStats.Measure($"e. logical export, CDC ({small.Describe()})", BlobStats.Chunks(export0, small), BlobStats.Chunks(export1, small)));
    DeltaResult delta = PageDelta.Measure(day0, day1, pageSize);

    Table(report, results);
    report.AppendLine();
    report.AppendLine(CultureInfo.InvariantCulture, $"d. page delta against the same page number of the previous snapshot (zstd 3, previous page as raw-content dictionary; every delta verified by decompressing):");
    report.AppendLine();
    report.AppendLine("| | pages | zstd bytes | + overhead | total |");
    report.AppendLine("|---|---:|---:|---:|---:|");
    report.AppendLine(CultureInfo.InvariantCulture, $"| changed + appended pages, each compressed alone | {delta.Blobs:N0} | {Mb(delta.FullCompressed)} | {Mb(delta.Blobs * delta.OverheadPerBlob)} | {Mb(delta.FullCompressed + delta.Blobs * delta.OverheadPerBlob)} |");
    report.AppendLine(CultureInfo.InvariantCulture, $"| changed pages as delta ({delta.ChangedPages:N0}), appended pages alone ({delta.NewPages:N0}) | {delta.Blobs:N0} | {Mb(delta.DeltaCompressed)} | {Mb(delta.Blobs * delta.OverheadPerBlob)} | {Mb(delta.DeltaTotal)} |");
    report.AppendLine();
    report.AppendLine(CultureInfo.InvariantCulture, $"Sizes in MB (10^6 bytes). Overhead: {StrategyResult.OverheadPerBlob} B per new blob (28 B AEAD nonce+tag, ~48 B index entry, 32 B reference). Run time {clock.Elapsed.TotalSeconds:F0} s.");

    Console.WriteLine(report);
    if (outPath is not null)
    {
        await File.WriteAllTextAsync(outPath, report.ToString());
    }
    return 0;
}
finally
{
    Directory.Delete(work, recursive: true);
}

static void Snapshot(string source, string destination)
{
    using var from = new SqliteConnection($"Data Source={source};Pooling=False");
    using var to = new SqliteConnection($"Data Source={destination};Pooling=False");
    from.Open();
    to.Open();
    from.BackupDatabase(to);
}

static void Churn(StringBuilder report, byte[] day0, byte[] day1, int pageSize)
{
    int pages = day1.Length / pageSize, changed = 0;
    const int Region = 64 * 1024;
    int regionPages = Region / pageSize;
    var regions = new HashSet<int>();
    for (int i = 0; i < pages; i++)
    {
        long offset = (long)i * pageSize;
        bool same = offset + pageSize <= day0.Length && day1.AsSpan((int)offset, pageSize).SequenceEqual(day0.AsSpan((int)offset, pageSize));
        if (!same)
        {
            changed++;
            regions.Add(i / regionPages);
        }
    }
    int regionCount = (pages + regionPages - 1) / regionPages;
    report.AppendLine(CultureInfo.InvariantCulture, $"Churn: {changed:N0} of {pages:N0} pages differ ({100.0 * changed / pages:F1}%), touching {regions.Count:N0} of {regionCount:N0} 64 KiB regions ({100.0 * regions.Count / regionCount:F1}%).");
    report.AppendLine();
}

static void Table(StringBuilder report, List<StrategyResult> results)
{
    report.AppendLine("| strategy | day-0 blobs | day-0 raw | day-0 zstd | day-1 blobs | new blobs | new raw | new zstd | new overhead | **daily upload** |");
    report.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    foreach (StrategyResult r in results)
    {
        report.AppendLine(CultureInfo.InvariantCulture,
            $"| {r.Name} | {r.Day0Blobs:N0} | {Mb(r.Day0Raw)} | {Mb(r.Day0Compressed)} | {r.Day1Blobs:N0} | {r.NewBlobs:N0} | {Mb(r.NewRaw)} | {Mb(r.NewCompressed)} | {Mb(r.NewOverhead)} | **{Mb(r.NewTotal)}** |");
    }
}

static string Mb(long bytes) => (bytes / 1e6).ToString("F2", CultureInfo.InvariantCulture);
