using System.Diagnostics;
using System.Globalization;
using Lockbox.StoreGen;

const string Usage = """
    usage:
      lockbox-storegen generate <store> [--seed N] [--messages N] [--chats N] [--media-mb N]
      lockbox-storegen grow <store> [--seed N] [--percent P] [--edits-percent P] [--deleted-share F] [--media-mb N]

    generate  creates <store>/msgstore.db and <store>/media/ (defaults: seed 1, 1,000,000 messages,
              600 chats, 1500 MB media). Refuses a folder that already holds a store.
    grow      simulates the next day (defaults: seed 2, +1% messages, 0.5% edits of which 20% deletions,
              20 MB media).
    exit codes: 0 done, 1 failed (message on stderr), 2 bad usage.
    """;

if (args.Length < 2 || args[0] is not ("generate" or "grow"))
{
    await Console.Error.WriteLineAsync(Usage);
    return 2;
}

var flags = new Dictionary<string, string>(StringComparer.Ordinal);
for (int i = 2; i < args.Length; i += 2)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
    {
        await Console.Error.WriteLineAsync($"unexpected argument '{args[i]}'\n{Usage}");
        return 2;
    }
    flags[args[i]] = args[i + 1];
}

string store = args[1];
var clock = Stopwatch.StartNew();
try
{
    if (args[0] == "generate")
    {
        var defaults = new GenerateOptions();
        var options = new GenerateOptions
        {
            Seed = Get("--seed", defaults.Seed, int.Parse),
            Messages = Get("--messages", defaults.Messages, long.Parse),
            Chats = Get("--chats", defaults.Chats, int.Parse),
            MediaBytes = Get("--media-mb", defaults.MediaBytes, (s, f) => long.Parse(s, f) * 1024 * 1024),
        };
        RejectUnknownFlags();
        StoreSummary s = await ChatStoreGenerator.GenerateAsync(store, options);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"generated {store}: {s.Messages} messages in {s.Chats} chats, db {s.DatabaseBytes / 1048576.0:F1} MB, {s.MediaFiles} media files {s.MediaBytes / 1048576.0:F1} MB, {clock.Elapsed.TotalSeconds:F1} s"));
    }
    else
    {
        var defaults = new GrowOptions();
        var options = new GrowOptions
        {
            Seed = Get("--seed", defaults.Seed, int.Parse),
            NewMessagesPercent = Get("--percent", defaults.NewMessagesPercent, double.Parse),
            EditsPercent = Get("--edits-percent", defaults.EditsPercent, double.Parse),
            DeletedShareOfEdits = Get("--deleted-share", defaults.DeletedShareOfEdits, double.Parse),
            MediaBytes = Get("--media-mb", defaults.MediaBytes, (s, f) => long.Parse(s, f) * 1024 * 1024),
        };
        RejectUnknownFlags();
        GrowSummary s = await ChatStoreGenerator.GrowAsync(store, options);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"grew {store}: +{s.AddedMessages} messages, {s.EditedMessages} edited, {s.DeletedMessages} deleted, +{s.AddedMediaFiles} media files {s.AddedMediaBytes / 1048576.0:F1} MB, {clock.Elapsed.TotalSeconds:F1} s"));
    }
    return 0;
}
catch (FormatException e)
{
    await Console.Error.WriteLineAsync($"bad number: {e.Message}\n{Usage}");
    return 2;
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync($"bad option: {e.Message}\n{Usage}");
    return 2;
}
catch (IOException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 1;
}

void RejectUnknownFlags()
{
    if (flags.Count > 0)
    {
        throw new ArgumentException($"unknown option {string.Join(", ", flags.Keys)}");
    }
}

T Get<T>(string name, T fallback, Func<string, IFormatProvider, T> parse) =>
    flags.Remove(name, out string? value) ? parse(value, CultureInfo.InvariantCulture) : fallback;
