using System.Globalization;
using Lockbox.Repository;

namespace Lockbox.Retention;

/// <summary>
/// Which snapshots <c>forget</c> keeps, as restic's policy does, applied to each (hostname, source)
/// group on its own, as restic groups by host and paths: every device's chat store keeps its own
/// newest snapshots whatever the others back up, so a policy run from one device never removes
/// another device's newest snapshot (which that device would take for a rollback, docs/FORMAT.md
/// §13). A snapshot kept by any rule is kept. Hours, days, weeks (ISO 8601), months and years are
/// those of UTC, the time snapshots record.
/// </summary>
/// <param name="KeepLast">Keep the most recent N snapshots of each group.</param>
/// <param name="KeepDaily">For each of the last N days that have snapshots of a group, keep that day's most recent one.</param>
public sealed record RetentionPolicy(int KeepLast = 0, int KeepDaily = 0)
{
    /// <summary>For each of the last N hours that have snapshots of a group, keep that hour's most recent one.</summary>
    public int KeepHourly { get; init; }

    /// <summary>For each of the last N ISO weeks that have snapshots of a group, keep that week's most recent one.</summary>
    public int KeepWeekly { get; init; }

    /// <summary>For each of the last N months that have snapshots of a group, keep that month's most recent one.</summary>
    public int KeepMonthly { get; init; }

    /// <summary>For each of the last N years that have snapshots of a group, keep that year's most recent one.</summary>
    public int KeepYearly { get; init; }

    /// <summary>Keep every snapshot of a group taken within this span before the group's newest one.</summary>
    public RetentionSpan? KeepWithin { get; init; }

    /// <summary>Keep every snapshot that carries one of these tags.</summary>
    public IReadOnlyList<string> KeepTags { get; init; } = [];

    /// <summary>Whether the policy keeps anything; an empty policy would forget every snapshot and is refused.</summary>
    public bool IsEmpty => KeepLast <= 0 && KeepDaily <= 0 && KeepHourly <= 0 && KeepWeekly <= 0 && KeepMonthly <= 0 && KeepYearly <= 0
        && KeepWithin is null && KeepTags.Count == 0;

    /// <summary>Splits snapshots (any order) into those kept and those forgotten, each newest first.</summary>
    public (List<SnapshotInfo> Keep, List<SnapshotInfo> Forget) Apply(IEnumerable<SnapshotInfo> snapshots)
    {
        var decisions = Decide(snapshots);
        return ([.. decisions.Where(d => d.Keep).Select(d => d.Snapshot)], [.. decisions.Where(d => !d.Keep).Select(d => d.Snapshot)]);
    }

    /// <summary>Every snapshot (newest first) with whether it is kept and the rules that keep it.</summary>
    public List<RetentionDecision> Decide(IEnumerable<SnapshotInfo> snapshots)
    {
        var newestFirst = snapshots.OrderByDescending(s => s.Snapshot.Time).ToList();
        var reasons = newestFirst.ToDictionary(s => s.Id, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var group in newestFirst.GroupBy(s => (s.Snapshot.Hostname, s.Snapshot.Source)))
        {
            var members = group.ToList();
            foreach (var (snapshot, i) in members.Take(Math.Max(0, KeepLast)).Select((s, i) => (s, i)))
            {
                reasons[snapshot.Id].Add($"last {i + 1}");
            }

            KeepNewestOfEach(members, KeepHourly, "hourly", t => t.ToString("yyyy-MM-dd HH:00", CultureInfo.InvariantCulture), reasons);
            KeepNewestOfEach(members, KeepDaily, "daily", t => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), reasons);
            KeepNewestOfEach(members, KeepWeekly, "weekly", t => $"{ISOWeek.GetYear(t):D4}-W{ISOWeek.GetWeekOfYear(t):D2}", reasons);
            KeepNewestOfEach(members, KeepMonthly, "monthly", t => t.ToString("yyyy-MM", CultureInfo.InvariantCulture), reasons);
            KeepNewestOfEach(members, KeepYearly, "yearly", t => t.ToString("yyyy", CultureInfo.InvariantCulture), reasons);
            if (KeepWithin is { } within && members.Count > 0)
            {
                var since = within.Before(members[0].Snapshot.Time);
                foreach (var snapshot in members.Where(s => s.Snapshot.Time >= since))
                {
                    reasons[snapshot.Id].Add($"within {within}");
                }
            }
        }

        foreach (var snapshot in newestFirst)
        {
            foreach (string tag in snapshot.Snapshot.Tags.Where(KeepTags.Contains))
            {
                reasons[snapshot.Id].Add($"tag {tag}");
            }
        }

        return [.. newestFirst.Select(s => new RetentionDecision(s, reasons[s.Id].Count > 0, reasons[s.Id]))];
    }

    /// <summary>Walking newest first, keeps the first snapshot of each new period, for <paramref name="count"/> periods.</summary>
    private static void KeepNewestOfEach(List<SnapshotInfo> newestFirst, int count, string rule, Func<DateTime, string> period, Dictionary<string, List<string>> reasons)
    {
        string? current = null;
        int kept = 0;
        foreach (var snapshot in newestFirst)
        {
            if (kept >= count)
            {
                return;
            }

            string bucket = period(snapshot.Snapshot.Time.UtcDateTime);
            if (bucket != current)
            {
                current = bucket;
                kept++;
                reasons[snapshot.Id].Add($"{rule} {bucket}");
            }
        }
    }
}

/// <summary>What a policy decided for one snapshot: kept or not, and by which rules (empty when forgotten).</summary>
public sealed record RetentionDecision(SnapshotInfo Snapshot, bool Keep, IReadOnlyList<string> Reasons);

/// <summary>
/// A span of calendar time for <c>--keep-within</c>, written as restic writes it: a number and a
/// unit, repeated, from <c>y</c> (years), <c>m</c> (months), <c>w</c> (weeks), <c>d</c> (days) and
/// <c>h</c> (hours), as in <c>30d</c> or <c>1y6m</c>. Years and months are calendar ones.
/// </summary>
public sealed record RetentionSpan(int Years, int Months, int Days, int Hours)
{
    /// <summary>Parses a span; a <see cref="FormatException"/> says what is wrong.</summary>
    public static RetentionSpan Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int years = 0, months = 0, days = 0, hours = 0, at = 0;
        if (text.Length == 0)
        {
            throw new FormatException("A span is a number and a unit (y, m, w, d or h), repeated: 30d, 12h, 1y6m.");
        }

        while (at < text.Length)
        {
            int start = at;
            while (at < text.Length && char.IsAsciiDigit(text[at]))
            {
                at++;
            }

            if (at == start || at == text.Length || !int.TryParse(text.AsSpan(start, at - start), NumberStyles.None, CultureInfo.InvariantCulture, out int value))
            {
                throw new FormatException($"\"{text}\" is not a span: each part is a number and a unit (y, m, w, d or h), as in 30d, 12h or 1y6m.");
            }

            switch (text[at++])
            {
                case 'y': years += value; break;
                case 'm': months += value; break;
                case 'w': days += checked(7 * value); break;
                case 'd': days += value; break;
                case 'h': hours += value; break;
                default: throw new FormatException($"\"{text}\" is not a span: the units are y, m, w, d and h, as in 30d, 12h or 1y6m.");
            }
        }

        return new RetentionSpan(years, months, days, hours);
    }

    /// <summary>The moment this span before <paramref name="time"/>.</summary>
    public DateTimeOffset Before(DateTimeOffset time) => time.AddYears(-Years).AddMonths(-Months).AddDays(-Days).AddHours(-Hours);

    /// <inheritdoc />
    public override string ToString() =>
        string.Concat(Part(Years, 'y'), Part(Months, 'm'), Part(Days, 'd'), Part(Hours, 'h')) is { Length: > 0 } text ? text : "0h";

    private static string Part(int value, char unit) => value == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"{value}{unit}");
}
