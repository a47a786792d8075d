using Microsoft.Data.Sqlite;

namespace Lockbox.StoreGen;

/// <summary>Edits and deletes random older messages: the in-place changes that scatter page writes over the file.</summary>
internal static class MessageEdits
{
    public static (long Edited, long Deleted) Apply(
        SqliteConnection connection, SqliteTransaction transaction, Random random, long maxRow, long edits, double deletedShare)
    {
        using SqliteCommand update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = "UPDATE messages SET text_data = $text, edit_version = edit_version + 1 WHERE _id = $id";
        SqliteParameter text = update.Parameters.Add("$text", SqliteType.Text);
        SqliteParameter updateId = update.Parameters.Add("$id", SqliteType.Integer);
        update.Prepare();
        using SqliteCommand delete = connection.CreateCommand();
        delete.Transaction = transaction;
        delete.CommandText = "DELETE FROM messages WHERE _id = $id";
        SqliteParameter deleteId = delete.Parameters.Add("$id", SqliteType.Integer);
        delete.Prepare();

        var texts = new MessageText(random);
        var touched = new HashSet<long>();
        long edited = 0, deleted = 0;
        // Earlier days' deletions leave gaps; a missed row is redrawn, bounded so a nearly empty store cannot spin.
        for (long attempts = 0; edited + deleted < edits && attempts < edits * 20; attempts++)
        {
            long id = 1 + random.NextInt64(maxRow);
            if (!touched.Add(id))
            {
                continue;
            }
            if (random.NextDouble() < deletedShare)
            {
                deleteId.Value = id;
                deleted += delete.ExecuteNonQuery();
            }
            else
            {
                updateId.Value = id;
                text.Value = texts.Next() ?? "👍";
                edited += update.ExecuteNonQuery();
            }
        }
        return (edited, deleted);
    }
}
