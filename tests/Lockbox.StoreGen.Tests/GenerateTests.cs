using System.IO.Compression;

namespace Lockbox.StoreGen.Tests;

public sealed class GenerateTests
{
    private static readonly GenerateOptions Small = new() { Seed = 7, Messages = 5_000, Chats = 40, MediaBytes = 12L * 1024 * 1024 };

    [Fact]
    public async Task Same_seed_and_options_give_identical_database_rows_and_media_bytes()
    {
        using var temp = new TempFolder();
        await ChatStoreGenerator.GenerateAsync(temp.Sub("a"), Small);
        await ChatStoreGenerator.GenerateAsync(temp.Sub("b"), Small);

        Assert.Equal(StoreReader.Dump(temp.Sub("a")), StoreReader.Dump(temp.Sub("b")));
        SortedDictionary<string, byte[]> a = StoreReader.Media(temp.Sub("a")), b = StoreReader.Media(temp.Sub("b"));
        Assert.Equal(a.Keys, b.Keys);
        Assert.All(a, file => Assert.Equal(file.Value, b[file.Key]));
    }

    [Fact]
    public async Task A_different_seed_gives_a_different_store()
    {
        using var temp = new TempFolder();
        await ChatStoreGenerator.GenerateAsync(temp.Sub("a"), Small with { MediaBytes = 0 });
        await ChatStoreGenerator.GenerateAsync(temp.Sub("b"), Small with { MediaBytes = 0, Seed = 8 });

        Assert.NotEqual(StoreReader.Dump(temp.Sub("a")), StoreReader.Dump(temp.Sub("b")));
    }

    [Fact]
    public async Task Message_chat_and_media_counts_follow_the_options()
    {
        using var temp = new TempFolder();
        StoreSummary summary = await ChatStoreGenerator.GenerateAsync(temp.Sub("s"), Small);

        Assert.Equal(5_000, StoreReader.Scalar(temp.Sub("s"), "SELECT COUNT(*) FROM messages"));
        Assert.Equal(40, StoreReader.Scalar(temp.Sub("s"), "SELECT COUNT(*) FROM chats"));
        long mediaBytes = StoreReader.Media(temp.Sub("s")).Values.Sum(f => (long)f.Length);
        Assert.Equal(Small.MediaBytes, mediaBytes);
        Assert.Equal(summary.MediaBytes, mediaBytes);
        Assert.Equal(summary.MediaFiles, StoreReader.Scalar(temp.Sub("s"), "SELECT COUNT(*) FROM messages WHERE media_path IS NOT NULL"));
    }

    [Fact]
    public async Task Every_media_file_is_referenced_by_a_message_with_its_size()
    {
        using var temp = new TempFolder();
        await ChatStoreGenerator.GenerateAsync(temp.Sub("s"), Small);

        foreach ((string path, byte[] bytes) in StoreReader.Media(temp.Sub("s")))
        {
            string portable = path.Replace(Path.DirectorySeparatorChar, '/');
            Assert.Equal(bytes.Length, StoreReader.Scalar(temp.Sub("s"), $"SELECT media_size FROM messages WHERE media_path = '{portable.Replace("'", "''", StringComparison.Ordinal)}'"));
        }
    }

    [Fact]
    public async Task Media_sizes_are_photo_video_voice_or_document_like_and_incompressible()
    {
        using var temp = new TempFolder();
        await ChatStoreGenerator.GenerateAsync(temp.Sub("s"), Small with { MediaBytes = 60L * 1024 * 1024 });

        SortedDictionary<string, byte[]> media = StoreReader.Media(temp.Sub("s"));
        Assert.Contains(media.Keys, p => p.StartsWith("Images", StringComparison.Ordinal));
        int belowMinimum = 0; // only the last file drawn may be cut short by the budget
        foreach ((string path, byte[] bytes) in media)
        {
            (int min, int max) = path.Split('/', '\\')[0] switch
            {
                "Images" => (50 * 1024, 3 * 1024 * 1024),
                "Video" => (2 * 1024 * 1024, 30 * 1024 * 1024),
                "Voice Notes" => (5 * 1024, 400 * 1024),
                _ => (20 * 1024, 2 * 1024 * 1024),
            };
            Assert.True(bytes.Length <= max, path);
            belowMinimum += bytes.Length < min ? 1 : 0;
        }
        Assert.InRange(belowMinimum, 0, 1);
        byte[] sample = media.Values.First();
        using var compressed = new MemoryStream();
        using (var deflate = new DeflateStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            deflate.Write(sample);
        }
        Assert.True(compressed.Length > sample.Length * 0.99, "media must not compress");
    }

    [Fact]
    public async Task Database_is_in_wal_mode_with_both_indexes_and_passes_integrity_check()
    {
        using var temp = new TempFolder();
        await ChatStoreGenerator.GenerateAsync(temp.Sub("s"), Small with { MediaBytes = 0 });

        Assert.Equal("wal", StoreReader.Text(temp.Sub("s"), "PRAGMA journal_mode"));
        Assert.Equal("ok", StoreReader.Text(temp.Sub("s"), "PRAGMA integrity_check"));
        Assert.Equal("chat_row_id,timestamp", StoreReader.Text(temp.Sub("s"),
            "SELECT group_concat(name) FROM (SELECT name FROM pragma_index_info('message_chat_time') ORDER BY seqno)"));
        Assert.Equal("key_id", StoreReader.Text(temp.Sub("s"), "SELECT group_concat(name) FROM pragma_index_info('message_key')"));
        Assert.Equal(1, StoreReader.Scalar(temp.Sub("s"), "SELECT \"unique\" FROM pragma_index_list('messages') WHERE name = 'message_key'"));
        Assert.Equal(16, StoreReader.Scalar(temp.Sub("s"), "SELECT MIN(length(key_id)) FROM messages"));
    }

    [Fact]
    public async Task Texts_are_mostly_short_with_a_long_tail_multi_line_and_non_ascii()
    {
        using var temp = new TempFolder();
        await ChatStoreGenerator.GenerateAsync(temp.Sub("s"), Small with { MediaBytes = 0 });

        string s = temp.Sub("s");
        long withText = StoreReader.Scalar(s, "SELECT COUNT(*) FROM messages WHERE text_data IS NOT NULL");
        long shortTexts = StoreReader.Scalar(s, "SELECT COUNT(*) FROM messages WHERE length(text_data) < 40");
        Assert.True(shortTexts > withText / 2, "most texts are short");
        Assert.True(StoreReader.Scalar(s, "SELECT COUNT(*) FROM messages WHERE length(text_data) > 500") > 0, "a long tail");
        Assert.True(StoreReader.Scalar(s, "SELECT COUNT(*) FROM messages WHERE instr(text_data, char(10)) > 0") > 0, "multi-line texts");
        Assert.True(StoreReader.Scalar(s, "SELECT COUNT(*) FROM messages WHERE length(CAST(text_data AS BLOB)) > length(text_data)") > 0, "non-ASCII texts");
    }

    [Fact]
    public async Task Timestamps_increase_with_the_row_id()
    {
        using var temp = new TempFolder();
        await ChatStoreGenerator.GenerateAsync(temp.Sub("s"), Small with { MediaBytes = 0 });

        Assert.Equal(0, StoreReader.Scalar(temp.Sub("s"),
            "SELECT COUNT(*) FROM messages a JOIN messages b ON b._id = a._id + 1 WHERE b.timestamp <= a.timestamp"));
    }

    [Fact]
    public async Task Generating_into_an_existing_store_is_refused_and_changes_nothing()
    {
        using var temp = new TempFolder();
        await ChatStoreGenerator.GenerateAsync(temp.Sub("s"), Small with { MediaBytes = 0 });
        string before = StoreReader.Dump(temp.Sub("s"));

        await Assert.ThrowsAsync<IOException>(() => ChatStoreGenerator.GenerateAsync(temp.Sub("s"), Small with { Seed = 9 }));
        Assert.Equal(before, StoreReader.Dump(temp.Sub("s")));
    }
}
