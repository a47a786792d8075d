using Lockbox.Repository;

namespace Lockbox.Retention;

/// <summary>
/// Which snapshots <c>forget</c> keeps, applied to each (hostname, source) group on its own, as restic
/// groups by host and paths: every device's chat store keeps its own newest snapshots whatever the
/// others back up, so a policy run from one device never removes another device's newest snapshot
/// (which that device would take for a rollback, docs/FORMAT.md §13). A snapshot kept by any rule is kept.
/// </summary>
/// <param name="KeepLast">Keep the most recent N snapshots of each group.</param>
/// <param name="KeepDaily">For each of the last N days that have snapshots of a group, keep that day's most recent one.</param>
public sealed record RetentionPolicy(int KeepLast = 0, int KeepDaily = 0)
{
    /// <summary>Whether the policy keeps anything; an empty policy would forget every snapshot and is refused.</summary>
    public bool IsEmpty => KeepLast <= 0 && KeepDaily <= 0;

    /// <summary>Splits snapshots (any order) into those kept and those forgotten, each newest first.</summary>
    public (List<SnapshotInfo> Keep, List<SnapshotInfo> Forget) Apply(IEnumerable<SnapshotInfo> snapshots)
    {
        var newestFirst = snapshots.OrderByDescending(s => s.Snapshot.Time).ToList();
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in newestFirst.GroupBy(s => (s.Snapshot.Hostname, s.Snapshot.Source)))
        {
            keep.UnionWith(group.Take(Math.Max(0, KeepLast)).Select(s => s.Id));
            foreach (var day in group.GroupBy(s => DateOnly.FromDateTime(s.Snapshot.Time.UtcDateTime)).Take(Math.Max(0, KeepDaily)))
            {
                keep.Add(day.First().Id);
            }
        }

        return (newestFirst.Where(s => keep.Contains(s.Id)).ToList(), newestFirst.Where(s => !keep.Contains(s.Id)).ToList());
    }
}
