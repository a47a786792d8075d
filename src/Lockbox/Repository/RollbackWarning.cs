using System.Globalization;
using System.Text;

namespace Lockbox.Repository;

/// <summary>
/// The storage shows no snapshot of this device's (hostname, source) group as new as the newest one
/// the device wrote or saw there (docs/FORMAT.md §13): the storage provider may be hiding the newest
/// snapshots or serving an older copy of the repository (a rollback). Not a failure; an app shows
/// <see cref="Message"/> (or its own words built from the other properties) prominently.
/// </summary>
/// <param name="Expected">The newest snapshot time this device wrote or saw in the group.</param>
/// <param name="Found">The newest readable snapshot of the group the storage shows, or null for none.</param>
/// <param name="Hostname">The group's hostname.</param>
/// <param name="Source">The group's source folder.</param>
/// <param name="DamagedSnapshots">Snapshot objects that cannot be read (their time is unknown: one of them may be the newer one).</param>
public sealed record RollbackWarning(DateTimeOffset Expected, DateTimeOffset? Found, string Hostname, string Source, int DamagedSnapshots)
{
    /// <summary>A backup took no parent because of this: every file was read and stored again, deduplicated against what the storage holds.</summary>
    public bool ParentWithheld { get; init; }

    /// <summary>The warning as lines to show.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            var lines = new List<string>
            {
                "POSSIBLE ROLLBACK: the storage does not show this device's newest backup.",
                $"  Expected: a snapshot of {Hostname} ({Source}) from {Format(Expected)} or later, which this device wrote or saw.",
                $"  Found:    {(Found is { } found ? $"the newest from {Format(found)}" : "no snapshot of it at all")}.",
                "  The storage provider may be hiding the newest backups or serving an older copy of the repository.",
            };
            if (DamagedSnapshots > 0)
            {
                lines.Add($"  {DamagedSnapshots} snapshot(s) cannot be read, so their time is unknown: one of them may be the newer one (`lockbox check` names them).");
            }

            if (ParentWithheld)
            {
                lines.Add("  This backup was therefore based on nothing older: every file was read and stored again (deduplicated against what the storage holds), so it is complete on its own.");
            }

            lines.Add("  What to do: look at the storage (versioning, a restored bucket or folder, a sync conflict) and run `lockbox check`;");
            lines.Add("  keep this device's chat store as it is until you know. If that snapshot was deleted on purpose (`forget --force`), the next backup ends this warning.");
            return lines;
        }
    }

    /// <summary>The warning as one multi-line text.</summary>
    public string Message
    {
        get
        {
            var text = new StringBuilder();
            foreach (string line in Lines)
            {
                text.AppendLine(line);
            }

            return text.ToString().TrimEnd();
        }
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
