using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Lockbox.Vault.Server.Storage;

/// <summary>
/// The embedded default: one SQLite file, one connection, one statement at a time (SQLite has a
/// single writer anyway). secure_delete overwrites deleted records and counters with zeros, so a
/// later copy of the file does not hold them; WAL with synchronous=FULL makes each commit durable.
/// </summary>
public sealed class SqliteVaultStore : SqlVaultStore
{
    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/>, in a folder only this user can open.</summary>
    public SqliteVaultStore(string path)
    {
        SqliteFiles.Prepare(path);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
    }

    /// <inheritdoc />
    protected override string BlobType => "BLOB";

    /// <inheritdoc />
    public override async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var pragmas = _connection.CreateCommand())
        {
            pragmas.CommandText = "PRAGMA secure_delete = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;";
            await pragmas.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await base.InitializeAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The destroyed record's bytes are zeroed in the database file (secure_delete), but the WAL still
    /// holds the pages as they were when the record was stored; a truncating checkpoint copies the
    /// log into the file and empties it, so a copy of the folder taken after a lockout holds none.
    /// </remarks>
    protected override async Task AfterDestructionAsync(CancellationToken cancellationToken)
    {
        await using var lease = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var checkpoint = lease.Command("PRAGMA wal_checkpoint(TRUNCATE)");
        await checkpoint.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async ValueTask<ConnectionLease> OpenAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new ConnectionLease(_connection, () =>
        {
            _gate.Release();
            return ValueTask.CompletedTask;
        });
    }

    /// <inheritdoc />
    protected override void Add(DbCommand command, string name, object? value, bool isBlob)
    {
        ArgumentNullException.ThrowIfNull(command);
        var parameter = new SqliteParameter(name, isBlob ? SqliteType.Blob : (value is string ? SqliteType.Text : SqliteType.Integer))
        {
            Value = value ?? DBNull.Value,
        };
        command.Parameters.Add(parameter);
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }
}
