using System.Text.Json;
using System.Text.Json.Serialization;
using Lockbox.Crypto;
using Lockbox.Storage;

namespace Lockbox.Repository;

/// <summary>
/// A lock object under locks/ (docs/FORMAT.md, "Locks"). Backups take shared locks; prune takes an
/// exclusive one and refuses to run beside any other lock, so it never deletes a pack a running
/// backup is about to reference. A holder refreshes its lock; one not refreshed for
/// <see cref="StaleAfter"/> belongs to a process that died and is ignored, and one taken on this
/// machine by a process that no longer runs is removed at once.
/// </summary>
internal sealed class RepositoryLock : IAsyncDisposable
{
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan RefreshEvery = TimeSpan.FromMinutes(5);

    private readonly Repository _repository;
    private readonly LockRecord _record;
    private readonly TimeProvider _time;
    private readonly ITimer _refresh;
    private readonly Lock _names = new();
    private readonly HashSet<ObjectName> _owned = [];
    private ObjectName _name;
    private Task _refreshing = Task.CompletedTask;

    private RepositoryLock(Repository repository, LockRecord record, ObjectName name, TimeProvider time)
    {
        _repository = repository;
        _record = record;
        _name = name;
        _owned.Add(name);
        _time = time;
        _refresh = time.CreateTimer(_ => _refreshing = RefreshAsync(), null, RefreshEvery, RefreshEvery);
    }

    /// <summary>Whether <paramref name="name"/> is this lock's object, now or during a refresh (which writes a new one, then deletes the old).</summary>
    public bool Owns(ObjectName name)
    {
        lock (_names)
        {
            return _owned.Contains(name);
        }
    }

    public static async Task<RepositoryLock> AcquireAsync(Repository repository, bool exclusive, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var record = new LockRecord(exclusive, Environment.MachineName, Environment.ProcessId, now);
        var name = await WriteAsync(repository, record, cancellationToken).ConfigureAwait(false);
        try
        {
            await foreach (var other in repository.Storage.ListAsync(ObjectKind.Lock, cancellationToken).ConfigureAwait(false))
            {
                if (other.Name == name)
                {
                    continue;
                }

                var held = await TryReadAsync(repository, other.Name, cancellationToken).ConfigureAwait(false);
                if (held is not null && HeldByDeadProcessHere(held))
                {
                    // Its holder was killed on this machine: nothing will ever release it.
                    await repository.Storage.DeleteAsync(other.Name, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (held is not null && now - held.Time < StaleAfter && (exclusive || held.Exclusive))
                {
                    throw new LockboxException(
                        $"The repository is in use ({(held.Exclusive ? "exclusive" : "shared")} lock by {held.Hostname}, process {held.ProcessId}, since {held.Time:u}); try again when it finishes.");
                }
            }

            // The lock protects the index as it is now, not as it was when the repository was
            // opened: a prune that finished in between replaced its files.
            await repository.RefreshIndexIfChangedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await repository.Storage.DeleteAsync(name, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return new RepositoryLock(repository, record, name, time);
    }

    /// <summary>
    /// A shared lock for a reader (restore, check), so that prune and repair never delete a pack
    /// under it. A storage credential that may only read cannot write a lock object: then the read
    /// goes ahead without one (null), as docs/FORMAT.md §9 describes: a prune or repair running
    /// meanwhile may delete what it reads, and it fails naming the missing pack, never with wrong
    /// data. Any other failure, and an exclusive lock held by prune or repair, stops the read.
    /// </summary>
    public static async Task<RepositoryLock?> AcquireForReadingAsync(Repository repository, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            return await AcquireAsync(repository, exclusive: false, time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsAccessDenied(e))
        {
            return null;
        }
    }

    /// <summary>The storage refused the write for lack of permission (a read-only credential).</summary>
    internal static bool IsAccessDenied(Exception e) =>
        e is UnauthorizedAccessException
        || (e is S3StorageException s3 && s3.ErrorCode is "AccessDenied" or "AllAccessDisabled")
        || (e is IOException { InnerException: UnauthorizedAccessException });

    public async ValueTask DisposeAsync()
    {
        await _refresh.DisposeAsync().ConfigureAwait(false);
        // A refresh still writing would leave its new object behind.
        await _refreshing.ConfigureAwait(false);
        await _repository.Storage.DeleteAsync(_name, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task RefreshAsync()
    {
        try
        {
            var old = _name;
            string id = ObjectIds.NewName();
            lock (_names)
            {
                _owned.Add(new ObjectName(ObjectKind.Lock, id));
            }

            _name = await WriteAsync(_repository, _record with { Time = _time.GetUtcNow() }, CancellationToken.None, id).ConfigureAwait(false);
            await _repository.Storage.DeleteAsync(old, CancellationToken.None).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The next refresh tries again; a lock that stays stale only lets prune start early.
        }
    }

    private static async Task<ObjectName> WriteAsync(Repository repository, LockRecord record, CancellationToken cancellationToken, string? id = null)
    {
        id ??= ObjectIds.NewName();
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(record, LockJson.Default.LockRecord);
        var name = new ObjectName(ObjectKind.Lock, id);
        await repository.Storage.WriteAsync(name, repository.Keys.Metadata.Seal(json, AssociatedData(id)), cancellationToken).ConfigureAwait(false);
        return name;
    }

    private static async Task<LockRecord?> TryReadAsync(Repository repository, ObjectName name, CancellationToken cancellationToken)
    {
        try
        {
            byte[] sealedBytes = await repository.Storage.ReadAsync(name, cancellationToken).ConfigureAwait(false);
            if (sealedBytes.Length < Aead.Overhead)
            {
                return null;
            }

            byte[] json = new byte[sealedBytes.Length - Aead.Overhead];
            return repository.Keys.Metadata.TryOpen(sealedBytes, AssociatedData(name.Name), json)
                ? JsonSerializer.Deserialize(json, LockJson.Default.LockRecord)
                : null;
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// A lock taken on this machine by a process that no longer runs. A process now running under the
    /// same id but started after the lock was taken is another process that reused the id.
    /// </summary>
    private static bool HeldByDeadProcessHere(LockRecord held)
    {
        if (!string.Equals(held.Hostname, Environment.MachineName, StringComparison.Ordinal) || held.ProcessId == Environment.ProcessId)
        {
            return false;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(held.ProcessId);
            return process.HasExited || process.StartTime.ToUniversalTime() > held.Time.UtcDateTime.AddSeconds(1);
        }
        catch (ArgumentException)
        {
            return true; // no such process
        }
        catch (InvalidOperationException)
        {
            return true; // it exited while we looked
        }
    }

    private static byte[] AssociatedData(string name) => [.. "lockbox/v1/lock"u8, .. Convert.FromHexString(name)];
}

internal sealed record LockRecord(
    [property: JsonPropertyName("exclusive")] bool Exclusive,
    [property: JsonPropertyName("hostname")] string Hostname,
    [property: JsonPropertyName("pid")] int ProcessId,
    [property: JsonPropertyName("time")] DateTimeOffset Time);

[JsonSerializable(typeof(LockRecord))]
internal sealed partial class LockJson : JsonSerializerContext;
