using Lockbox.Device;

namespace Lockbox.Client;

/// <summary>
/// What enable, disable and rotation share: before each step's side effects the device records that
/// the step has started, so a run killed anywhere is resumed by running it again, which skips the
/// steps before the recorded one and redoes that one (every step can be redone). An interruption
/// requested through the token lands at a step boundary.
/// </summary>
internal abstract class ResumableOperation(DeviceFolder device, IProgress<LockboxProgress>? progress, string operation)
{
    private CancellationToken _cancellation;

    /// <summary>The operation's steps, in order.</summary>
    protected abstract IReadOnlyList<LockboxStep> Order { get; }

    protected DeviceFolder Device => device;

    /// <summary>The state when the run began.</summary>
    protected DeviceState Initial { get; private set; } = new();

    /// <summary>Loads the state; throws when another operation is unfinished.</summary>
    protected DeviceState Begin(CancellationToken cancellationToken)
    {
        _cancellation = cancellationToken;
        Initial = device.LoadState();
        if (Initial.Pending is { } other && other.Operation != operation && !CanTakeOver(other))
        {
            throw new OperationPendingException(other);
        }

        return Initial;
    }

    /// <summary>Whether an earlier run had got as far as <paramref name="step"/> (started it, or gone past it).</summary>
    protected bool Reached(LockboxStep step) =>
        Initial.Pending is { } pending && pending.Operation == operation && Enum.TryParse<LockboxStep>(pending.Step, out var recorded) && Position(recorded) >= Position(step);

    /// <summary>Whether this operation may start while <paramref name="other"/> is unfinished, replacing it (disable undoes an enable).</summary>
    protected virtual bool CanTakeOver(PendingOperation other) => false;

    /// <summary>
    /// Records that <paramref name="step"/> starts (never moving the record back: a run resumed at a
    /// later step passes earlier ones again, and they are done), reports it, and stops there if cancelled.
    /// </summary>
    protected void Enter(LockboxStep step, BackupMode mode, string description)
    {
        var state = device.LoadState();
        bool later = state.Pending is not { } pending || pending.Operation != operation
            || !Enum.TryParse<LockboxStep>(pending.Step, out var recorded) || Position(step) > Position(recorded);
        if (later || state.Pending!.Mode != mode)
        {
            string name = later ? step.ToString() : state.Pending!.Step;
            device.SaveState(state with { Pending = new PendingOperation(operation, mode, name) });
        }

        Report(step, description);
    }

    /// <summary>Reports progress within a step, and stops there if cancelled.</summary>
    protected void Report(LockboxStep step, string description, long done = 0, long total = 0)
    {
        progress?.Report(new LockboxProgress(step, description, done, total));
        _cancellation.ThrowIfCancellationRequested();
    }

    /// <summary>Ends the operation in <paramref name="mode"/>.</summary>
    protected void Finish(BackupMode mode, string description)
    {
        if (Directory.Exists(device.WorkFolder))
        {
            Directory.Delete(device.WorkFolder, recursive: true);
        }

        device.SaveState(new DeviceState { Mode = mode });
        progress?.Report(new LockboxProgress(LockboxStep.Done, description));
    }

    private int Position(LockboxStep step)
    {
        for (int i = 0; i < Order.Count; i++)
        {
            if (Order[i] == step)
            {
                return i;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(step), step, $"{operation} has no such step.");
    }
}
