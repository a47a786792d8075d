namespace Lockbox.StoreGen.Tests;

public sealed class GrowTests
{
    private static readonly GenerateOptions Day0 = new() { Seed = 3, Messages = 20_000, Chats = 50, MediaBytes = 2L * 1024 * 1024 };
    private static readonly GrowOptions NextDay = new() { Seed = 4, MediaBytes = 5L * 1024 * 1024 };

    [Fact]
    public async Task Grow_adds_one_percent_messages_half_a_percent_edits_and_the_media_budget()
    {
        using var temp = new TempFolder();
        string s = temp.Sub("s");
        await ChatStoreGenerator.GenerateAsync(s, Day0);
        long maxBefore = StoreReader.Scalar(s, "SELECT MAX(_id) FROM messages");
        long newestBefore = StoreReader.Scalar(s, "SELECT MAX(timestamp) FROM messages");
        long mediaBefore = StoreReader.Media(s).Values.Sum(f => (long)f.Length);

        GrowSummary grown = await ChatStoreGenerator.GrowAsync(s, NextDay);

        Assert.Equal(200, grown.AddedMessages);
        Assert.Equal(100, grown.EditedMessages + grown.DeletedMessages);
        Assert.True(grown.DeletedMessages > 0 && grown.EditedMessages > grown.DeletedMessages);
        Assert.Equal(200, StoreReader.Scalar(s, $"SELECT COUNT(*) FROM messages WHERE _id > {maxBefore}"));
        Assert.Equal(20_000 + 200 - grown.DeletedMessages, StoreReader.Scalar(s, "SELECT COUNT(*) FROM messages"));
        Assert.Equal(grown.EditedMessages, StoreReader.Scalar(s, "SELECT COUNT(*) FROM messages WHERE edit_version > 0"));
        Assert.Equal(0, StoreReader.Scalar(s, $"SELECT COUNT(*) FROM messages WHERE _id > {maxBefore} AND timestamp <= {newestBefore}"));
        Assert.Equal(NextDay.MediaBytes, StoreReader.Media(s).Values.Sum(f => (long)f.Length) - mediaBefore);
        Assert.Equal(grown.AddedMediaFiles, StoreReader.Scalar(s, $"SELECT COUNT(*) FROM messages WHERE _id > {maxBefore} AND media_path IS NOT NULL"));
        Assert.Equal("ok", StoreReader.Text(s, "PRAGMA integrity_check"));
    }

    [Fact]
    public async Task Growing_the_same_store_with_the_same_seed_gives_the_same_day()
    {
        using var temp = new TempFolder();
        foreach (string name in new[] { "a", "b" })
        {
            await ChatStoreGenerator.GenerateAsync(temp.Sub(name), Day0);
            await ChatStoreGenerator.GrowAsync(temp.Sub(name), NextDay);
        }

        Assert.Equal(StoreReader.Dump(temp.Sub("a")), StoreReader.Dump(temp.Sub("b")));
        SortedDictionary<string, byte[]> a = StoreReader.Media(temp.Sub("a")), b = StoreReader.Media(temp.Sub("b"));
        Assert.Equal(a.Keys, b.Keys);
        Assert.All(a, file => Assert.Equal(file.Value, b[file.Key]));
    }

    [Fact]
    public async Task Growing_twice_gives_two_different_days_and_keeps_existing_media()
    {
        using var temp = new TempFolder();
        string s = temp.Sub("s");
        await ChatStoreGenerator.GenerateAsync(s, Day0);
        await ChatStoreGenerator.GrowAsync(s, NextDay);
        SortedDictionary<string, byte[]> afterDay1 = StoreReader.Media(s);
        long rowsAfterDay1 = StoreReader.Scalar(s, "SELECT COUNT(*) FROM messages");
        string dumpAfterDay1 = StoreReader.Dump(s);

        GrowSummary day2 = await ChatStoreGenerator.GrowAsync(s, NextDay);

        Assert.Equal((long)Math.Round(rowsAfterDay1 / 100.0), day2.AddedMessages);
        Assert.NotEqual(dumpAfterDay1, StoreReader.Dump(s));
        SortedDictionary<string, byte[]> afterDay2 = StoreReader.Media(s);
        Assert.All(afterDay1, file => Assert.Equal(file.Value, afterDay2[file.Key]));
        Assert.Equal(afterDay1.Count + day2.AddedMediaFiles, afterDay2.Count);
    }

    [Fact]
    public async Task Grow_leaves_the_database_in_wal_mode_with_no_wal_file_behind()
    {
        using var temp = new TempFolder();
        string s = temp.Sub("s");
        await ChatStoreGenerator.GenerateAsync(s, Day0 with { MediaBytes = 0 });
        await ChatStoreGenerator.GrowAsync(s, NextDay with { MediaBytes = 0 });

        Assert.False(File.Exists(ChatStoreGenerator.DatabasePath(s) + "-wal"));
        Assert.Equal("wal", StoreReader.Text(s, "PRAGMA journal_mode"));
    }

    [Fact]
    public async Task Growing_a_folder_without_a_store_is_a_clear_error()
    {
        using var temp = new TempFolder();
        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => ChatStoreGenerator.GrowAsync(temp.Sub("none"), NextDay));
        Assert.Contains("generate a store first", error.Message, StringComparison.Ordinal);
    }
}
