namespace Lockbox.Storage;

/// <summary>A stored object that should exist does not.</summary>
public sealed class ObjectNotFoundException : IOException
{
    /// <summary>Creates the exception for <paramref name="name"/>.</summary>
    public ObjectNotFoundException(ObjectName name)
        : base($"Object {name.Path} is missing from the repository.")
    {
        ObjectName = name;
    }

    /// <summary>The missing object.</summary>
    public ObjectName ObjectName { get; }
}
