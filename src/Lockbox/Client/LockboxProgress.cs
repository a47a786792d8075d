namespace Lockbox.Client;

/// <summary>The steps a <see cref="LockboxClient"/> operation reports, in the order they run.</summary>
public enum LockboxStep
{
    /// <summary>Backing up the chat store.</summary>
    BackingUp,

    /// <summary>Restoring a snapshot.</summary>
    Restoring,

    /// <summary>Enable and rotate: making (or reloading) the backup key, or the new one, on the device.</summary>
    PreparingKey,

    /// <summary>Enable: creating (or opening) the encrypted repository.</summary>
    CreatingRepository,

    /// <summary>Enable and rotate: proving the key can be recovered (a test login, or the user typing the key back).</summary>
    ConfirmingKey,

    /// <summary>Enable: importing each unencrypted snapshot into the encrypted repository.</summary>
    ImportingSnapshots,

    /// <summary>Enable: backing up the chat store as it is now.</summary>
    BackingUpStore,

    /// <summary>Enable and rotate: reading back and authenticating every blob of the new encrypted repository; disable: reading back the standard copies.</summary>
    Verifying,

    /// <summary>Enable: deleting every unencrypted object (every version, on S3).</summary>
    DeletingUnencrypted,

    /// <summary>Enable: listing the storage to confirm no unencrypted object remains.</summary>
    ConfirmingDeletion,

    /// <summary>Disable: exporting each encrypted snapshot as a standard backup.</summary>
    ExportingSnapshots,

    /// <summary>Disable: deleting the key from the vault.</summary>
    DeletingVaultRecord,

    /// <summary>Disable and rotate: deleting the old encrypted repository.</summary>
    DeletingEncrypted,

    /// <summary>Rotate: re-encrypting each snapshot into a new repository under the new key.</summary>
    CopyingSnapshots,

    /// <summary>Rotate: moving the new repository into place, then verifying it there.</summary>
    MovingRepository,

    /// <summary>Rotate: making the new key the device's key and removing the rotation's leftovers.</summary>
    SwitchingKey,

    /// <summary>Disable: forgetting the backup key on this device.</summary>
    ForgettingKey,

    /// <summary>The operation finished.</summary>
    Done,
}

/// <summary>Progress of a <see cref="LockboxClient"/> operation.</summary>
/// <param name="Step">The step now running.</param>
/// <param name="Description">A line for the user.</param>
/// <param name="Done">Work done within the step (bytes or items), when known.</param>
/// <param name="Total">Work in the step, when known; 0 otherwise.</param>
public sealed record LockboxProgress(LockboxStep Step, string Description, long Done = 0, long Total = 0);
