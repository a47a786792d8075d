using Lockbox.Repository;

namespace Lockbox.Retention;

/// <summary>Which snapshots <c>forget</c> keeps. A snapshot kept by any rule is kept.</summary>
/// <param name="KeepLast">Keep the most recent N snapshots.</param>
/// <param name="KeepDaily">For each of the last N days that have snapshots, keep that day's most recent one.</param>
public sealed record RetentionPolicy(int KeepLast = 0, int KeepDaily = 0)
{
    /// <summary>Whether the policy keeps anything; an empty policy would forget every snapshot and is refused.</summary>
    public bool IsEmpty => KeepLast <= 0 && KeepDaily <= 0;

    /// <summary>Splits snapshots (any order) into those kept and those forgotten.</summary>
    public (List<SnapshotInfo> Keep, List<SnapshotInfo> Forget) Apply(IEnumerable<SnapshotInfo> snapshots)
    {
        var newestFirst = snapshots.OrderByDescending(s => s.Snapshot.Time).ToList();
        var keep = new HashSet<string>(newestFirst.Take(Math.Max(0, KeepLast)).Select(s => s.Id), StringComparer.Ordinal);
        foreach (var day in newestFirst.GroupBy(s => DateOnly.FromDateTime(s.Snapshot.Time.UtcDateTime)).Take(Math.Max(0, KeepDaily)))
        {
            keep.Add(day.First().Id);
        }

        return (newestFirst.Where(s => keep.Contains(s.Id)).ToList(), newestFirst.Where(s => !keep.Contains(s.Id)).ToList());
    }
}
