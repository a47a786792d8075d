namespace Lockbox.Check;

/// <summary>What <c>check</c> found. Errors name the damaged object; warnings are harmless leftovers.</summary>
public sealed record CheckResult(IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings, int Snapshots, int Packs, long BlobsRead)
{
    /// <summary>True when no error was found.</summary>
    public bool IsHealthy => Errors.Count == 0;
}
