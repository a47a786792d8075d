using Lockbox.Repository;
using Lockbox.Retention;
using Xunit;

namespace Lockbox.Tests.Engine;

/// <summary>restic's retention rules, applied per (host, source) group, on snapshots that are only records: no storage needed.</summary>
public sealed class RetentionRulesTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 30, 0, TimeSpan.Zero);

    /// <summary>One snapshot every 6 hours for 400 days, newest first when decided.</summary>
    private static List<SnapshotInfo> EverySixHours(string host = "phone", params string[] tagged)
    {
        var snapshots = new List<SnapshotInfo>();
        for (int i = 0; i < 400 * 4; i++)
        {
            string id = $"{host.GetHashCode(StringComparison.Ordinal) & 0xffff:x4}{i:x60}";
            snapshots.Add(new SnapshotInfo(id, new Snapshot
            {
                Time = Start.AddHours(6 * i),
                Hostname = host,
                Source = "/store",
                Tags = tagged.Length > 0 && i % 100 == 0 ? tagged : [],
                Manifest = [],
                Summary = new BackupSummary(),
            }));
        }

        return snapshots;
    }

    [Fact]
    public void Hourly_daily_weekly_monthly_and_yearly_each_keep_the_newest_of_their_last_N_periods()
    {
        var snapshots = EverySixHours();
        var newest = snapshots[^1].Snapshot.Time;
        var policy = new RetentionPolicy { KeepHourly = 3, KeepWeekly = 2, KeepMonthly = 3, KeepYearly = 5 };
        var kept = policy.Decide(snapshots).Where(d => d.Keep).ToList();

        // Hourly: the last three snapshots (one per 6-hour slot, each in its own hour).
        Assert.Equal(3, kept.Count(d => d.Reasons.Any(r => r.StartsWith("hourly", StringComparison.Ordinal))));
        Assert.Equal(2, kept.Count(d => d.Reasons.Any(r => r.StartsWith("weekly", StringComparison.Ordinal))));
        Assert.Equal(3, kept.Count(d => d.Reasons.Any(r => r.StartsWith("monthly", StringComparison.Ordinal))));

        // Two calendar years hold snapshots, so yearly keeps two, each its year's newest.
        var yearly = kept.Where(d => d.Reasons.Any(r => r.StartsWith("yearly", StringComparison.Ordinal))).Select(d => d.Snapshot.Snapshot.Time).ToList();
        Assert.Equal([newest, new DateTimeOffset(2026, 12, 31, 18, 30, 0, TimeSpan.Zero)], yearly);
        Assert.Contains(kept, d => d.Snapshot.Snapshot.Time == newest && d.Reasons.Count >= 4);
    }

    [Fact]
    public void Keep_within_keeps_everything_within_the_span_before_the_groups_newest_and_keep_tag_keeps_tagged_ones()
    {
        var snapshots = EverySixHours("phone", "monthly-archive");
        var newest = snapshots[^1].Snapshot.Time;
        var decisions = new RetentionPolicy { KeepWithin = RetentionSpan.Parse("2d"), KeepTags = ["monthly-archive"] }.Decide(snapshots);

        var within = decisions.Where(d => d.Reasons.Contains("within 2d")).Select(d => d.Snapshot.Snapshot.Time).ToList();
        Assert.Equal(9, within.Count);
        Assert.All(within, t => Assert.True(t >= newest.AddDays(-2)));
        Assert.Equal(16, decisions.Count(d => d.Reasons.Contains("tag monthly-archive")));
        Assert.Equal(snapshots.Count - 9 - 16, decisions.Count(d => !d.Keep));
        Assert.All(decisions.Where(d => !d.Keep), d => Assert.Empty(d.Reasons));
    }

    [Fact]
    public void Every_rule_applies_to_each_host_and_source_on_its_own()
    {
        var snapshots = EverySixHours("phone").Concat(EverySixHours("tablet")).ToList();
        var kept = new RetentionPolicy { KeepMonthly = 1 }.Apply(snapshots).Keep;
        Assert.Equal(["phone", "tablet"], kept.Select(s => s.Snapshot.Hostname).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("30d", "30d")]
    [InlineData("1y6m", "1y6m")]
    [InlineData("2w", "14d")]
    [InlineData("12h", "12h")]
    public void A_span_is_numbers_and_units_as_restic_writes_it(string text, string shown) =>
        Assert.Equal(shown, RetentionSpan.Parse(text).ToString());

    [Theory]
    [InlineData("")]
    [InlineData("30")]
    [InlineData("d")]
    [InlineData("3x")]
    [InlineData("-1d")]
    public void A_span_that_is_not_one_says_how_to_write_one(string text)
    {
        var error = Assert.Throws<FormatException>(() => RetentionSpan.Parse(text));
        Assert.Contains("30d", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_policy_of_no_rules_is_empty_and_one_rule_is_not()
    {
        Assert.True(new RetentionPolicy().IsEmpty);
        Assert.False(new RetentionPolicy { KeepTags = ["x"] }.IsEmpty);
        Assert.False(new RetentionPolicy { KeepWithin = RetentionSpan.Parse("1h") }.IsEmpty);
    }
}
