using System.Diagnostics;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Restore;
using Lockbox.Retention;
using Lockbox.Storage;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace Lockbox.Cli.Tests;

/// <summary>
/// kill -9 of the lockbox process at random points of backup, restore and prune. After every kill,
/// check --read-data passes, every snapshot restores byte for byte, the user's files are untouched,
/// and running the command again completes it. The seed is logged; LOCKBOX_CRASH_KILLS and
/// LOCKBOX_CRASH_SEED set the number of kills and the seed for a longer run.
/// </summary>
public sealed class CrashConsistencyTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lockbox-crash-").FullName;

    // What each snapshot must restore to: snapshot id -> a copy of the source it was taken from.
    private readonly Dictionary<string, string> _expected = new(StringComparer.Ordinal);

    // How long each command took when it ran to the end, in ms: a moving average.
    private readonly Dictionary<string, double> _duration = new(StringComparer.Ordinal);

    private string Repo => Path.Combine(_root, "repo");

    private string Source => Path.Combine(_root, "phone");

    private string KeyFile => Path.Combine(_root, "key.txt");

    [Fact]
    public async Task Every_kill_during_backup_restore_and_prune_loses_nothing_and_a_rerun_completes()
    {
        int kills = int.TryParse(Environment.GetEnvironmentVariable("LOCKBOX_CRASH_KILLS"), out int k) ? k : 50;
        int seed = int.TryParse(Environment.GetEnvironmentVariable("LOCKBOX_CRASH_SEED"), out int s) ? s : 20261201;
        log.WriteLine($"seed {seed}, {kills} kills");
        var random = new Random(seed);
        WriteDay(0);
        // enable --key creates the repository and the key, and takes the first snapshot.
        Assert.Equal(0, (await RunToEndAsync("enable", "--key", Source, "-r", Repo, "--key-file", KeyFile)).Exit);
        _expected[Assert.Single(await SnapshotIdsAsync())] = Snapshot("expected-day0");

        // How long each command takes when left alone, so kills land anywhere inside it. The estimates
        // follow every uninterrupted run, since the machine's load changes while the suite runs.
        _duration["backup"] = (await TimeAsync(() => { WriteDay(1); return BackupToEndAsync(); })).TotalMilliseconds;
        _duration["restore"] = (await TimeAsync(() => RestoreToEndAsync(Path.Combine(_root, "calibration")))).TotalMilliseconds;
        _duration["prune"] = _duration["backup"];
        log.WriteLine($"backup {_duration["backup"]:F0} ms, restore {_duration["restore"]:F0} ms");

        int landed = 0;
        for (int trial = 0; trial < kills; trial++)
        {
            string operation = (trial % 5) switch { 0 or 1 => "backup", 2 or 3 => "restore", _ => "prune" };
            var delay = TimeSpan.FromMilliseconds(random.NextDouble() * _duration[operation] * 0.95);
            bool finished = operation switch
            {
                "backup" => await KilledBackupAsync(trial + 2, delay),
                "restore" => await KilledRestoreAsync(trial, delay),
                _ => await KilledPruneAsync(delay),
            };
            landed += finished ? 0 : 1;
            await VerifyRepositoryAsync($"trial {trial} ({operation}, kill after {delay.TotalMilliseconds:F0} ms)");
        }

        log.WriteLine($"{kills} kills, {landed} landed before the command finished");
        Assert.True(landed * 5 >= kills * 3, $"only {landed} of {kills} kills interrupted a command");
    }

    private async Task<bool> KilledBackupAsync(int day, TimeSpan delay)
    {
        WriteDay(day);
        string sourceBefore = Snapshot("source-before");
        var before = await SnapshotIdsAsync();
        var run = await RunKilledAsync(delay, "backup", Source, "-r", Repo, "--key-file", KeyFile);
        AssertSame(sourceBefore, Source, "a backup changed the user's files");
        var after = await SnapshotIdsAsync();
        foreach (string id in after.Except(before))
        {
            _expected[id] = Snapshot($"expected-{Guid.NewGuid():N}");
        }

        if (!run.Finished)
        {
            await BackupToEndAsync(); // running it again completes it
        }

        Directory.Delete(sourceBefore, recursive: true);
        return run.Finished;
    }

    private async Task<bool> KilledRestoreAsync(int trial, TimeSpan delay)
    {
        string parent = Path.Combine(_root, $"new-phone-{trial}");
        Directory.CreateDirectory(parent);
        string target = Path.Combine(parent, "chats");
        string latest = (await LatestAsync()).Id;
        var run = await RunKilledAsync(delay, "restore", latest, "--target", target, "-r", Repo, "--key-file", KeyFile);

        // Either the whole snapshot is in place or nothing is: never a half-written chat database.
        if (Directory.Exists(target))
        {
            AssertRestored(latest, target);
        }
        else
        {
            Assert.False(run.Finished);
            var rerun = await RunToEndAsync("restore", latest, "--target", target, "-r", Repo, "--key-file", KeyFile);
            Assert.True(rerun.Exit == 0, rerun.Error);
            AssertRestored(latest, target);
        }

        Assert.Equal(["chats"], Directory.EnumerateFileSystemEntries(parent).Select(p => Path.GetFileName(p)).Where(n => !n.StartsWith('.')).ToArray());
        Directory.Delete(parent, recursive: true);
        return run.Finished;
    }

    private async Task<bool> KilledPruneAsync(TimeSpan delay)
    {
        using (var repository = await OpenAsync())
        {
            foreach (var forgotten in await repository.ForgetAsync(new RetentionPolicy(KeepLast: 3)))
            {
                _expected.Remove(forgotten.Id);
            }
        }

        var run = await RunKilledAsync(delay, "prune", "-r", Repo, "--key-file", KeyFile);
        if (!run.Finished)
        {
            var rerun = await RunToEndAsync("prune", "-r", Repo, "--key-file", KeyFile);
            Assert.True(rerun.Exit == 0, rerun.Error);
        }

        return run.Finished;
    }

    private async Task VerifyRepositoryAsync(string when)
    {
        using var repository = await OpenAsync();
        var check = await repository.CheckAsync(readData: true);
        Assert.True(check.IsHealthy, $"{when}: {string.Join("; ", check.Errors)}");
        var ids = (await repository.ListSnapshotsAsync()).Select(s => s.Id).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(_expected.Keys.Order(StringComparer.Ordinal), ids);
        foreach (string id in ids)
        {
            string target = Path.Combine(_root, "verify");
            await repository.RestoreAsync(new RestoreRequest(id, target));
            AssertRestored(id, target);
            Directory.Delete(target, recursive: true);
        }
    }

    private void AssertRestored(string snapshotId, string target) => AssertSame(_expected[snapshotId], target, $"snapshot {snapshotId[..8]} did not restore as backed up");

    // Media byte for byte; the message database by its rows, since it is copied through SQLite's backup API.
    private static void AssertSame(string expected, string actual, string message)
    {
        var expectedFiles = Files(expected);
        Assert.True(expectedFiles.Keys.SequenceEqual(Files(actual).Keys), $"{message}: file lists differ");
        foreach (var relative in expectedFiles.Keys)
        {
            string a = Path.Combine(expected, relative);
            string b = Path.Combine(actual, relative);
            if (relative.EndsWith(".db", StringComparison.Ordinal))
            {
                Assert.True(Rows(a) == Rows(b), $"{message}: {relative} rows differ");
            }
            else
            {
                Assert.True(File.ReadAllBytes(a).AsSpan().SequenceEqual(File.ReadAllBytes(b)), $"{message}: {relative} differs");
            }
        }
    }

    private static SortedDictionary<string, string> Files(string root) => new(
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f))
            .Where(f => !f.EndsWith("-wal", StringComparison.Ordinal) && !f.EndsWith("-shm", StringComparison.Ordinal))
            .ToDictionary(f => f, f => f),
        StringComparer.Ordinal);

    private static string Rows(string database)
    {
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var check = connection.CreateCommand();
        check.CommandText = "PRAGMA integrity_check";
        Assert.Equal("ok", check.ExecuteScalar());
        using var rows = connection.CreateCommand();
        rows.CommandText = "SELECT COUNT(*) || ':' || TOTAL(LENGTH(body)) || ':' || TOTAL(id * LENGTH(body)) FROM messages";
        return (string)rows.ExecuteScalar()!;
    }

    /// <summary>A day of chat: new and edited messages, one new photo.</summary>
    private void WriteDay(int day)
    {
        Directory.CreateDirectory(Path.Combine(Source, "media"));
        var random = new Random(day);
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(Source, "msgstore.db")};Pooling=False"))
        {
            connection.Open();
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, chat INTEGER, body TEXT)";
            command.ExecuteNonQuery();
            command.CommandText = "INSERT INTO messages (chat, body) VALUES ($chat, $body)";
            var chat = command.Parameters.Add("$chat", SqliteType.Integer);
            var body = command.Parameters.Add("$body", SqliteType.Text);
            for (int i = 0; i < (day == 0 ? 8_000 : 500); i++)
            {
                chat.Value = random.Next(50);
                body.Value = new string((char)('a' + random.Next(26)), 20 + random.Next(200));
                command.ExecuteNonQuery();
            }

            command.Parameters.Clear();
            command.CommandText = $"UPDATE messages SET body = body || ' (edited)' WHERE id % 97 = {day % 97}";
            command.ExecuteNonQuery();
            transaction.Commit();
        }

        byte[] photo = new byte[(day == 0 ? 3 : 1) * 512 * 1024];
        random.NextBytes(photo);
        File.WriteAllBytes(Path.Combine(Source, "media", $"IMG-{day:D4}.jpg"), photo);
    }

    private string Snapshot(string name)
    {
        string copy = Path.Combine(_root, name);
        foreach (string file in Directory.EnumerateFiles(Source, "*", SearchOption.AllDirectories))
        {
            string to = Path.Combine(copy, Path.GetRelativePath(Source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }

        return copy;
    }

    private async Task BackupToEndAsync()
    {
        var before = await SnapshotIdsAsync();
        var run = await RunToEndAsync("backup", Source, "-r", Repo, "--key-file", KeyFile);
        Assert.True(run.Exit == 0, run.Error);
        _expected[Assert.Single((await SnapshotIdsAsync()).Except(before))] = Snapshot($"expected-{Guid.NewGuid():N}");
    }

    private async Task RestoreToEndAsync(string target)
    {
        var run = await RunToEndAsync("restore", "latest", "--target", target, "-r", Repo, "--key-file", KeyFile);
        Assert.True(run.Exit == 0, run.Error);
        Directory.Delete(target, recursive: true);
    }

    private static async Task<TimeSpan> TimeAsync(Func<Task> action)
    {
        var clock = Stopwatch.StartNew();
        await action();
        return clock.Elapsed;
    }

    private async Task<Repository.Repository> OpenAsync()
    {
        using var key = BackupKey.Parse(await File.ReadAllTextAsync(KeyFile));
        return await Repository.Repository.OpenAsync(new LocalStorage(Repo), key);
    }

    private async Task<HashSet<string>> SnapshotIdsAsync()
    {
        using var repository = await OpenAsync();
        return [.. (await repository.ListSnapshotsAsync()).Select(s => s.Id)];
    }

    private async Task<SnapshotInfo> LatestAsync()
    {
        using var repository = await OpenAsync();
        return await repository.FindSnapshotAsync("latest");
    }

    private ProcessStartInfo Command(string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Lockbox.Cli.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["XDG_CACHE_HOME"] = Path.Combine(_root, "device-cache");
        start.Environment["LOCKBOX_DEVICE"] = Path.Combine(_root, "device");
        return start;
    }

    private async Task<(int Exit, string Error)> RunToEndAsync(params string[] args)
    {
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(Command(args))!;
        var output = process.StandardOutput.ReadToEndAsync();
        string error = await process.StandardError.ReadToEndAsync();
        await output;
        await process.WaitForExitAsync();
        Observe(args[0], clock.Elapsed);
        return (process.ExitCode, error);
    }

    /// <summary>Starts the command and sends it SIGKILL after <paramref name="delay"/>, unless it finished first.</summary>
    private async Task<(bool Finished, int Exit)> RunKilledAsync(TimeSpan delay, params string[] args)
    {
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(Command(args))!;
        var drain = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        var exited = process.WaitForExitAsync();
        bool finished = await Task.WhenAny(exited, Task.Delay(delay)) == exited;
        if (!finished)
        {
            process.Kill(entireProcessTree: true); // SIGKILL: no cleanup code runs
        }

        await exited;
        await drain;
        if (finished)
        {
            Assert.True(process.ExitCode == 0, $"{args[0]} failed on its own with exit code {process.ExitCode}");
            Observe(args[0], clock.Elapsed);
        }

        return (finished, process.ExitCode);
    }

    private void Observe(string command, TimeSpan took)
    {
        if (_duration.TryGetValue(command, out double average))
        {
            _duration[command] = (average + took.TotalMilliseconds) / 2;
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
