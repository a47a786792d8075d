using System.CommandLine;
using System.Globalization;
using Lockbox.Repository;
using Lockbox.Retention;

namespace Lockbox.Cli.Commands;

/// <summary><c>lockbox forget</c>: snapshots by id, or those a retention policy (restic's rules) does not keep.</summary>
internal static class ForgetCommand
{
    public static Command Create(Terminal terminal)
    {
        var rules = new PolicyOptions();
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Show what would be forgotten and why the rest is kept; change nothing." };
        var prune = new Option<bool>("--prune") { Description = "Prune afterwards to reclaim the space." };
        var force = new Option<bool>("--force") { Description = "Forget a snapshot by id even when it is the newest of its host and chat store (the device that made it then warns of a possible rollback until its next backup)." };
        var ids = new Argument<string[]>("id") { Description = "Snapshots to delete, by id or unique prefix (damaged ones too), instead of a policy.", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("forget", "Delete the snapshots named, or those a retention policy does not keep (applied to each host and chat store on its own).")
        {
            ids, rules.Last, rules.Hourly, rules.Daily, rules.Weekly, rules.Monthly, rules.Yearly, rules.Within, rules.Tags, dryRun, prune, force,
        };
        command.SetRepositoryAction(terminal, async (parse, repository, backupKey, cancellationToken) =>
        {
            var named = parse.GetValue(ids) ?? [];
            var policy = rules.Read(parse);
            bool preview = parse.GetValue(dryRun);
            if (named.Length > 0 && !policy.IsEmpty)
            {
                throw new UsageException("Give snapshot ids or a policy (--keep-…), not both.");
            }

            if (named.Length == 0 && policy.IsEmpty)
            {
                throw new UsageException("Name the snapshots to forget, or give a policy that keeps something: --keep-last, --keep-hourly, --keep-daily, --keep-weekly, --keep-monthly, --keep-yearly, --keep-within or --keep-tag.");
            }

            int count = named.Length > 0
                ? await ForgetNamedAsync(terminal, repository, named, parse.GetValue(force), preview, cancellationToken).ConfigureAwait(false)
                : await ForgetByPolicyAsync(terminal, repository, policy, preview, cancellationToken).ConfigureAwait(false);
            if (preview)
            {
                terminal.Line($"Dry run: {count} snapshot(s) would be forgotten; nothing was changed.");
                return ExitCodes.Success;
            }

            terminal.Line($"{count} snapshot(s) forgotten.");
            if (parse.GetValue(prune))
            {
                MaintenanceCommands.Report(terminal, await repository.PruneAsync(cancellationToken: cancellationToken).ConfigureAwait(false));
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<int> ForgetNamedAsync(Terminal terminal, Repository.Repository repository, string[] named, bool force, bool preview, CancellationToken cancellationToken)
    {
        if (preview)
        {
            var listing = await repository.ReadSnapshotsAsync(cancellationToken).ConfigureAwait(false);
            var all = listing.Intact.Select(s => s.Id).Concat(listing.Damaged.Select(d => d.Name.Name)).ToList();
            var matched = named.SelectMany(n => all.Where(id => id.StartsWith(n, StringComparison.Ordinal)).Take(1)).Distinct(StringComparer.Ordinal).ToList();
            foreach (string id in matched)
            {
                terminal.Line($"would forget {id[..8]} (named)");
            }

            return matched.Count;
        }

        var forgotten = await repository.ForgetAsync(named, force, cancellationToken).ConfigureAwait(false);
        foreach (string id in forgotten)
        {
            terminal.Line($"forgot {id[..8]}");
        }

        return forgotten.Count;
    }

    private static async Task<int> ForgetByPolicyAsync(Terminal terminal, Repository.Repository repository, RetentionPolicy policy, bool preview, CancellationToken cancellationToken)
    {
        if (preview)
        {
            var decisions = policy.Decide((await repository.ReadSnapshotsAsync(cancellationToken).ConfigureAwait(false)).Intact);
            foreach (var decision in decisions)
            {
                string when = decision.Snapshot.Snapshot.Time.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
                terminal.Line(decision.Keep
                    ? $"keep         {decision.Snapshot.ShortId} ({when}): {string.Join(", ", decision.Reasons)}"
                    : $"would forget {decision.Snapshot.ShortId} ({when}): no rule keeps it");
            }

            return decisions.Count(d => !d.Keep);
        }

        var forgotten = await repository.ForgetAsync(policy, cancellationToken).ConfigureAwait(false);
        foreach (var s in forgotten)
        {
            terminal.Line($"forgot {s.ShortId} ({s.Snapshot.Time.ToLocalTime():yyyy-MM-dd HH:mm:ss})");
        }

        return forgotten.Count;
    }

    /// <summary>The options of a retention policy, restic's names.</summary>
    private sealed class PolicyOptions
    {
        public Option<int> Last { get; } = new("--keep-last") { Description = "Keep the N most recent snapshots of each host and chat store." };

        public Option<int> Hourly { get; } = new("--keep-hourly") { Description = "Keep the newest snapshot of each of the last N hours that have one (UTC), for each host and chat store." };

        public Option<int> Daily { get; } = new("--keep-daily") { Description = "Keep the newest snapshot of each of the last N days that have one (UTC), for each host and chat store." };

        public Option<int> Weekly { get; } = new("--keep-weekly") { Description = "Keep the newest snapshot of each of the last N ISO weeks that have one, for each host and chat store." };

        public Option<int> Monthly { get; } = new("--keep-monthly") { Description = "Keep the newest snapshot of each of the last N months that have one, for each host and chat store." };

        public Option<int> Yearly { get; } = new("--keep-yearly") { Description = "Keep the newest snapshot of each of the last N years that have one, for each host and chat store." };

        public Option<string> Within { get; } = new("--keep-within") { Description = "Keep every snapshot taken within this span before the newest of its host and chat store: a number and a unit (y, m, w, d, h), repeated, as in 30d or 1y6m." };

        public Option<string[]> Tags { get; } = new("--keep-tag") { Description = "Keep every snapshot with this tag (repeatable)." };

        /// <summary>The policy given; a count below 0 or a span that does not parse is a usage error.</summary>
        public RetentionPolicy Read(ParseResult parse)
        {
            int Count(Option<int> option) => parse.GetValue(option) is var n and >= 0
                ? n
                : throw new UsageException($"{option.Name} takes a count of 0 or more.");

            RetentionSpan? within = null;
            if (parse.GetValue(Within) is { } text)
            {
                try
                {
                    within = RetentionSpan.Parse(text);
                }
                catch (FormatException e)
                {
                    throw new UsageException($"--keep-within: {e.Message}");
                }
            }

            return new RetentionPolicy(Count(Last), Count(Daily))
            {
                KeepHourly = Count(Hourly),
                KeepWeekly = Count(Weekly),
                KeepMonthly = Count(Monthly),
                KeepYearly = Count(Yearly),
                KeepWithin = within,
                KeepTags = parse.GetValue(Tags) ?? [],
            };
        }
    }
}
