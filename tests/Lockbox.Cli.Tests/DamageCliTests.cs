using Xunit;

namespace Lockbox.Cli.Tests;

/// <summary>When something is damaged, the command says what, keeps the rest working, and its advice works when followed.</summary>
public sealed class DamageCliTests : CliSession
{
    /// <summary>Two backups of a store with two photos; returns the store and the second snapshot's pack holding photo b.</summary>
    private async Task<string> TwoBackupsAsync()
    {
        string source = Store();
        File.WriteAllBytes(Path.Combine(source, "media", "a.jpg"), Random(150_000, 1));
        Assert.Equal(0, (await RunAsync("enable", "--key", source, "-r", Repo, "--key-file", KeyFile)).Exit);
        File.WriteAllBytes(Path.Combine(source, "media", "b.jpg"), Random(150_000, 2));
        Assert.Equal(0, (await RunAsync("backup", source, "-r", Repo)).Exit);
        return source;
    }

    [Fact]
    public async Task A_truncated_snapshot_is_listed_as_damaged_the_others_restore_and_forget_by_its_id_then_prune_clears_it()
    {
        string source = await TwoBackupsAsync();
        string[] snapshots = [.. Directory.GetFiles(Path.Combine(Repo, "snapshots")).OrderBy(File.GetLastWriteTimeUtc)];
        Assert.Equal(2, snapshots.Length);
        string damaged = snapshots[0];
        File.WriteAllBytes(damaged, File.ReadAllBytes(damaged)[..30]);
        string shortId = Path.GetFileName(damaged)[..8];

        var listed = await RunAsync("snapshots", "-r", Repo, "--key-file", KeyFile);
        Assert.Equal(4, listed.Exit);
        Assert.Contains($"{shortId}  DAMAGED", listed.Output, StringComparison.Ordinal);
        Assert.Contains("1 of them damaged", listed.Output, StringComparison.Ordinal);

        var status = await RunAsync("status", "-r", Repo);
        Assert.Equal(0, status.Exit);
        Assert.Contains($"Damaged snapshot: {shortId}", status.Output, StringComparison.Ordinal);

        var prune = await RunAsync("prune", "-r", Repo, "--key-file", KeyFile);
        Assert.Equal(4, prune.Exit);
        Assert.Contains($"lockbox forget {shortId}", prune.Error, StringComparison.Ordinal);

        string target = Path.Combine(Root, "restored");
        Assert.Equal(0, (await RunAsync("restore", "latest", "--target", target, "-r", Repo, "--key-file", KeyFile)).Exit);
        Assert.Equal(File.ReadAllBytes(Path.Combine(source, "media", "b.jpg")), File.ReadAllBytes(Path.Combine(target, "media", "b.jpg")));
        Assert.Equal(0, (await RunAsync("backup", source, "-r", Repo)).Exit);

        // The advice, followed.
        var forget = await RunAsync("forget", shortId, "-r", Repo, "--key-file", KeyFile);
        Assert.Equal(0, forget.Exit);
        Assert.Contains($"forgot {shortId}", forget.Output, StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync("prune", "-r", Repo, "--key-file", KeyFile)).Exit);
        Assert.Equal(0, (await RunAsync("check", "--read-data", "-r", Repo, "--key-file", KeyFile)).Exit);
    }

    [Fact]
    public async Task Check_names_the_damaged_snapshot_and_file_and_restore_partial_restores_the_rest_with_exit_11()
    {
        string source = await TwoBackupsAsync();
        // Damage the newest pack, the second backup's, which holds photo b (and its file list).
        string pack = Directory.EnumerateFiles(Path.Combine(Repo, "data"), "*", SearchOption.AllDirectories).OrderBy(File.GetLastWriteTimeUtc).Last();
        byte[] bytes = File.ReadAllBytes(pack);

        // The middle of the pack lies inside photo b, its one large blob, wherever the small file
        // list's blob was placed (blobs go in as they are sealed, in parallel).
        bytes[bytes.Length / 2] ^= 1;
        File.WriteAllBytes(pack, bytes);

        var check = await RunAsync("check", "--read-data", "-r", Repo, "--key-file", KeyFile);
        Assert.Equal(4, check.Exit);
        Assert.Contains("media/b.jpg", check.Output, StringComparison.Ordinal);
        Assert.Contains("--partial", check.Output, StringComparison.Ordinal);
        Assert.Contains("1 of 2 snapshot(s) damaged", check.Error + check.Output, StringComparison.Ordinal);

        string all = Path.Combine(Root, "all-or-nothing");
        Assert.Equal(4, (await RunAsync("restore", "latest", "--target", all, "-r", Repo, "--key-file", KeyFile)).Exit);
        Assert.False(Directory.Exists(all));

        string partial = Path.Combine(Root, "partial");
        var restored = await RunAsync("restore", "latest", "--partial", "--target", partial, "-r", Repo, "--key-file", KeyFile);
        Assert.Equal(11, restored.Exit);
        Assert.Contains("media/b.jpg", restored.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(partial, "media", "b.jpg")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(source, "media", "a.jpg")), File.ReadAllBytes(Path.Combine(partial, "media", "a.jpg")));
        Assert.Equal("hello", File.ReadAllText(Path.Combine(partial, "media", "note.txt")));

        // The next backup stores photo b again, as check said; then the newest snapshot is whole.
        Assert.Equal(0, (await RunAsync("backup", source, "-r", Repo)).Exit);
        string again = Path.Combine(Root, "again");
        Assert.Equal(0, (await RunAsync("restore", "latest", "--target", again, "-r", Repo, "--key-file", KeyFile)).Exit);
        Assert.Equal(File.ReadAllBytes(Path.Combine(source, "media", "b.jpg")), File.ReadAllBytes(Path.Combine(again, "media", "b.jpg")));
    }

    private static byte[] Random(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new System.Random(seed).NextBytes(bytes);
        return bytes;
    }
}
