using Lockbox.Client;

namespace Lockbox.Cli;

/// <summary>
/// Prints a facade operation's progress as plain lines: each new step once, and byte counts of a
/// backup or restore every tenth of the way, so a log stays short.
/// </summary>
internal sealed class StepReporter(Terminal terminal) : IProgress<LockboxProgress>
{
    private string? _last;
    private long _nextBytes;

    public void Report(LockboxProgress value)
    {
        if (value.Step is LockboxStep.BackingUp or LockboxStep.Restoring && value.Total > 0)
        {
            if (value.Done >= _nextBytes)
            {
                terminal.Line($"{(value.Step == LockboxStep.BackingUp ? "backup" : "restore")}: {Units.Bytes(value.Done)}/{Units.Bytes(value.Total)}");
                _nextBytes = value.Done + Math.Max(value.Total / 10, 1);
            }

            return;
        }

        if (value.Description.Length > 0 && value.Description != _last)
        {
            _last = value.Description;
            terminal.Line(value.Total > 0 ? $"  {value.Description} [{value.Done + 1}/{value.Total}]" : $"  {value.Description}");
        }
    }
}
