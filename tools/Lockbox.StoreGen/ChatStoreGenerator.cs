using Microsoft.Data.Sqlite;

namespace Lockbox.StoreGen;

/// <summary>
/// Builds and ages sample chat stores: <c>&lt;store&gt;/msgstore.db</c> (SQLite, WAL) and <c>&lt;store&gt;/media/</c>.
/// Everything is drawn from System.Random with fixed seeds, so a seed and options always give the same store.
/// </summary>
public static class ChatStoreGenerator
{
    public const string DatabaseFileName = MessageDatabase.FileName;
    public const string MediaFolderName = "media";

    /// <summary>Day 0 of every store: 2021-01-01T00:00:00Z.</summary>
    private static readonly DateTime Epoch = new(2021, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private const long MeanGapMs = 95_000;

    public static string DatabasePath(string storePath) => Path.Combine(storePath, DatabaseFileName);

    public static string MediaPath(string storePath) => Path.Combine(storePath, MediaFolderName);

    /// <summary>Creates a new store. Refuses a folder that already holds a store, so nothing is ever overwritten.</summary>
    public static async Task<StoreSummary> GenerateAsync(string storePath, GenerateOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Messages);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Chats, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MediaBytes);
        string dbPath = DatabasePath(storePath);
        string mediaRoot = MediaPath(storePath);
        if (File.Exists(dbPath) || Directory.Exists(mediaRoot))
        {
            throw new IOException($"'{storePath}' already holds a store; generate into an empty folder.");
        }
        Directory.CreateDirectory(mediaRoot);

        List<MediaFile> media = MediaPlan.Draw(new Random(Seeds.Derive(options.Seed, -1)), options.MediaBytes, Seeds.Derive(options.Seed, -2));
        var names = new Random(Seeds.Derive(options.Seed, -3));
        var taken = new HashSet<string>(StringComparer.Ordinal);

        using (SqliteConnection connection = MessageDatabase.Open(dbPath, create: true))
        {
            MessageDatabase.CreateForBulkLoad(connection);
            using (SqliteTransaction transaction = connection.BeginTransaction())
            {
                InsertChats(connection, transaction, options.Chats);
                var random = new Random(options.Seed);
                var latest = new ChatActivity(options.Chats);
                using (var writer = new MessageWriter(connection, transaction, random, options.Chats))
                {
                    long timestamp = ToMs(Epoch);
                    int nextMedia = 0;
                    for (long row = 1; row <= options.Messages; row++)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        timestamp += 1_000 + random.Next((int)(2 * MeanGapMs) - 2_000);
                        MediaFile? attached = null;
                        while (nextMedia < media.Count && AttachRow(nextMedia, media.Count, 1, options.Messages) == row)
                        {
                            attached = media[nextMedia++];
                            attached.RelativePath = MediaPlan.Name(attached, FromMs(timestamp), names, p => !taken.Add(p));
                        }
                        int chat = writer.Insert(row, timestamp, attached);
                        latest.Record(chat, row, timestamp);
                    }
                    for (; nextMedia < media.Count; nextMedia++)
                    {
                        media[nextMedia].RelativePath = MediaPlan.Name(media[nextMedia], Epoch, names, p => !taken.Add(p));
                    }
                }
                latest.Save(connection, transaction);
                transaction.Commit();
            }
            MessageDatabase.FinishBulkLoad(connection);
        }

        await MediaPlan.WriteAsync(mediaRoot, media, cancellationToken).ConfigureAwait(false);
        return new StoreSummary(options.Messages, options.Chats, media.Count, media.Sum(m => m.Size), new FileInfo(dbPath).Length);
    }

    /// <summary>
    /// Simulates the next day on an existing store: new messages after the newest one, edits and deletions of
    /// random older messages, and new media attached to the new messages.
    /// </summary>
    public static async Task<GrowSummary> GrowAsync(string storePath, GrowOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.NewMessagesPercent);
        ArgumentOutOfRangeException.ThrowIfNegative(options.EditsPercent);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MediaBytes);
        if (options.DeletedShareOfEdits is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "DeletedShareOfEdits must be between 0 and 1.");
        }
        string dbPath = DatabasePath(storePath);
        string mediaRoot = MediaPath(storePath);
        if (!File.Exists(dbPath))
        {
            throw new FileNotFoundException($"'{storePath}' holds no {DatabaseFileName}; generate a store first.", dbPath);
        }

        List<MediaFile> media;
        long added, edited = 0, deleted = 0;
        using (SqliteConnection connection = MessageDatabase.Open(dbPath, create: false))
        {
            long count = MessageDatabase.Scalar(connection, "SELECT COUNT(*) FROM messages");
            long maxRow = MessageDatabase.Scalar(connection, "SELECT MAX(_id) FROM messages");
            long newest = Math.Max(MessageDatabase.Scalar(connection, "SELECT MAX(timestamp) FROM messages"), ToMs(Epoch));
            int chats = (int)MessageDatabase.Scalar(connection, "SELECT COUNT(*) FROM chats");
            added = (long)Math.Round(count * options.NewMessagesPercent / 100);
            long edits = Math.Min((long)Math.Round(count * options.EditsPercent / 100), count);

            // The store's own state keys the day, so growing twice with one seed still gives two different days.
            var random = new Random(Seeds.Derive(options.Seed, maxRow));
            media = MediaPlan.Draw(new Random(Seeds.Derive(options.Seed, -1 - maxRow)), options.MediaBytes, Seeds.Derive(options.Seed, -2 - maxRow));
            var names = new Random(Seeds.Derive(options.Seed, -3 - maxRow));

            // A name is taken if a file has it or an earlier file of this same day was given it.
            var takenToday = new HashSet<string>(StringComparer.Ordinal);
            bool Taken(string path) => !takenToday.Add(path) || File.Exists(Path.Combine(mediaRoot, path));

            using SqliteTransaction transaction = connection.BeginTransaction();
            var latest = new ChatActivity(chats);
            using (var writer = new MessageWriter(connection, transaction, random, chats))
            {
                long gap = Math.Max(2, 86_400_000 / Math.Max(added, 1));
                long timestamp = newest;
                int nextMedia = 0;
                for (long i = 1; i <= added; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    timestamp += 1 + random.NextInt64(2 * gap - 1);
                    MediaFile? attached = null;
                    while (nextMedia < media.Count && AttachRow(nextMedia, media.Count, 1, added) == i)
                    {
                        attached = media[nextMedia++];
                        attached.RelativePath = MediaPlan.Name(attached, FromMs(timestamp), names, Taken);
                    }
                    int chat = writer.Insert(maxRow + i, timestamp, attached);
                    latest.Record(chat, maxRow + i, timestamp);
                }
                for (; nextMedia < media.Count; nextMedia++)
                {
                    media[nextMedia].RelativePath = MediaPlan.Name(media[nextMedia], FromMs(newest), names, Taken);
                }
            }
            if (edits > 0)
            {
                (edited, deleted) = MessageEdits.Apply(connection, transaction, random, maxRow, edits, options.DeletedShareOfEdits);
            }
            latest.Save(connection, transaction);
            transaction.Commit();
        }

        await MediaPlan.WriteAsync(mediaRoot, media, cancellationToken).ConfigureAwait(false);
        return new GrowSummary(added, edited, deleted, media.Count, media.Sum(m => m.Size));
    }

    private static void InsertChats(SqliteConnection connection, SqliteTransaction transaction, int chats)
    {
        using SqliteCommand insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO chats (_id, jid, subject, is_group, created_timestamp) VALUES ($id, $jid, $subject, $group, $created)";
        SqliteParameter id = insert.Parameters.Add("$id", SqliteType.Integer);
        SqliteParameter jid = insert.Parameters.Add("$jid", SqliteType.Text);
        SqliteParameter subject = insert.Parameters.Add("$subject", SqliteType.Text);
        SqliteParameter group = insert.Parameters.Add("$group", SqliteType.Integer);
        SqliteParameter created = insert.Parameters.Add("$created", SqliteType.Integer);
        insert.Prepare();
        string[] subjects = ["Family", "Familie Müller", "Fußball Dienstag", "Équipe projet", "Друзья", "同学会", "Book club 📚", "Neighbours"];
        for (int chat = 1; chat <= chats; chat++)
        {
            bool isGroup = MessageWriter.IsGroup(chat);
            id.Value = chat;
            jid.Value = MessageWriter.Jid(chat);
            subject.Value = isGroup ? $"{subjects[chat % subjects.Length]} {chat}" : DBNull.Value;
            group.Value = isGroup ? 1 : 0;
            created.Value = ToMs(Epoch);
            insert.ExecuteNonQuery();
        }
    }

    /// <summary>Spreads <paramref name="count"/> media files evenly over the rows first..first+rows-1.</summary>
    private static long AttachRow(int index, int count, long first, long rows) =>
        rows == 0 ? long.MaxValue : first + (long)((double)index * rows / count);

    private static long ToMs(DateTime utc) => (long)(utc - DateTime.UnixEpoch).TotalMilliseconds;

    private static DateTime FromMs(long ms) => DateTime.UnixEpoch.AddMilliseconds(ms);
}
