using Lockbox.Crypto;
using Lockbox.Storage;

namespace Lockbox.Repository;

/// <summary>Base of every error Lockbox reports to a user; the message says what happened and never holds a secret.</summary>
public class LockboxException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LockboxException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>The key does not open this repository. Raised before any data is read.</summary>
public sealed class WrongKeyException : LockboxException
{
    /// <summary>Creates the exception.</summary>
    public WrongKeyException()
        : base("Wrong key: this backup key does not open this repository.")
    {
    }
}

/// <summary>The repository config is damaged, so no key can be checked against it.</summary>
public sealed class ConfigDamagedException : LockboxException
{
    /// <summary>Creates the exception.</summary>
    public ConfigDamagedException(string detail)
        : base($"Config damaged: {detail}")
    {
    }
}

/// <summary>
/// The repository was made by a newer Lockbox: its config's format version is above the one this
/// Lockbox reads. Never reported as damage or as a wrong key; the remedy is to upgrade.
/// </summary>
public sealed class UnsupportedVersionException : LockboxException
{
    /// <summary>Creates the exception for a config of format version <paramref name="version"/>.</summary>
    public UnsupportedVersionException(int version)
        : base($"This repository was made by a newer Lockbox (format version {version}); upgrade Lockbox to open it.")
    {
        Version = version;
    }

    /// <summary>Creates the exception for an object that authenticated but holds a version this Lockbox does not know.</summary>
    public UnsupportedVersionException(ObjectName name, int version)
        : base($"{name.Path} was written by a newer Lockbox (its version {version}); upgrade Lockbox to read it. It is not damaged, and nothing was changed.")
    {
        Version = version;
    }

    /// <summary>The format version found.</summary>
    public int Version { get; }
}

/// <summary>A stored object failed verification: the storage returned something Lockbox did not write.</summary>
public sealed class CorruptObjectException : LockboxException
{
    /// <summary>Creates the exception for <paramref name="objectName"/>, optionally naming a blob in it.</summary>
    public CorruptObjectException(ObjectName objectName, string detail, BlobId? blob = null, Exception? inner = null)
        : base(blob is null ? $"Corrupt object {objectName.Path}: {detail}" : $"Corrupt object {objectName.Path}, blob {blob}: {detail}", inner)
    {
        ObjectName = objectName;
        Blob = blob;
    }

    /// <summary>The damaged object.</summary>
    public ObjectName ObjectName { get; }

    /// <summary>The damaged blob inside it, if known.</summary>
    public BlobId? Blob { get; }
}

/// <summary>A blob a snapshot needs is in no index or its pack is gone.</summary>
public sealed class MissingDataException : LockboxException
{
    /// <summary>Creates the exception.</summary>
    public MissingDataException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    /// <summary>The pack that is missing, if that is what is missing.</summary>
    public string? Pack { get; init; }

    /// <summary>The blob that no index names, if that is what is missing.</summary>
    public BlobId? Blob { get; init; }
}
