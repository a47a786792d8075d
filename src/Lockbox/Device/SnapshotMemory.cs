using Lockbox.Repository;

namespace Lockbox.Device;

/// <summary>
/// The device's memory of the newest snapshot of each of its own (hostname, source) groups, per
/// repository (<see cref="DeviceState.NewestSnapshots"/>), and the rollback check against it.
/// Only the device's own groups are compared: retention keeps every group's newest snapshot and
/// <c>forget ID</c> refuses to remove one without force, so another device's forget never makes a
/// group's newest snapshot disappear, while a storage that hides it or serves an older state does.
/// </summary>
internal static class SnapshotMemory
{
    /// <summary>The newest time remembered for one group, or null.</summary>
    public static DateTimeOffset? Expected(DeviceState state, string repository, string hostname, string source) =>
        Entries(state, repository, hostname, source).Select(e => (DateTimeOffset?)e.Time).FirstOrDefault();

    /// <summary>
    /// The first remembered group of <paramref name="hostname"/> (and of <paramref name="source"/>, when
    /// given) whose newest readable snapshot in <paramref name="listing"/> is older than remembered, or null.
    /// </summary>
    public static RollbackWarning? Check(DeviceState state, string repository, string hostname, string? source, SnapshotListing listing)
    {
        foreach (var entry in Entries(state, repository, hostname, source))
        {
            var found = Newest(listing, entry.Hostname, entry.Source);
            if (found is null || found.Snapshot.Time < entry.Time)
            {
                return new RollbackWarning(entry.Time, found?.Snapshot.Time, entry.Hostname, entry.Source, listing.Damaged.Count);
            }
        }

        return null;
    }

    /// <summary>
    /// Raises the memory to what <paramref name="listing"/> shows, for the groups of <paramref name="hostname"/>
    /// already remembered and for (<paramref name="hostname"/>, <paramref name="source"/>) when a source is
    /// given (the chat store this device backs up). Null when nothing changes.
    /// </summary>
    public static DeviceState? Seen(DeviceState state, string repository, string hostname, string? source, SnapshotListing listing)
    {
        var changed = state;
        foreach (var group in listing.Intact.Where(s => s.Snapshot.Hostname == hostname).GroupBy(s => s.Snapshot.Source, StringComparer.Ordinal))
        {
            bool known = Entries(changed, repository, hostname, group.Key).Any();
            if (known || group.Key == source)
            {
                var newest = group.MaxBy(s => s.Snapshot.Time)!;
                changed = Written(changed, repository, hostname, group.Key, newest.Snapshot.Time, newest.Id);
            }
        }

        return ReferenceEquals(changed, state) ? null : changed;
    }

    /// <summary>Remembers a snapshot of the group, unless a newer one is remembered already.</summary>
    public static DeviceState Written(DeviceState state, string repository, string hostname, string source, DateTimeOffset time, string snapshot)
    {
        var all = state.NewestSnapshots ?? [];
        var current = Entries(state, repository, hostname, source).FirstOrDefault();
        if (current is not null && current.Time >= time)
        {
            return state;
        }

        var entry = new NewestSnapshot(repository, hostname, source, time, snapshot);
        return state with { NewestSnapshots = current is null ? [.. all, entry] : [.. all.Select(e => ReferenceEquals(e, current) ? entry : e)] };
    }

    private static IEnumerable<NewestSnapshot> Entries(DeviceState state, string repository, string hostname, string? source) =>
        (state.NewestSnapshots ?? []).Where(e => e.Repository == repository && e.Hostname == hostname && (source is null || e.Source == source));

    private static SnapshotInfo? Newest(SnapshotListing listing, string hostname, string source) =>
        listing.Intact.Where(s => s.Snapshot.Hostname == hostname && s.Snapshot.Source == source).MaxBy(s => s.Snapshot.Time);
}
