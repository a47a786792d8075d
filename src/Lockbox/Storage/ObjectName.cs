namespace Lockbox.Storage;

/// <summary>
/// A stored object's kind and name. Names are lowercase hex identifiers, except the config's.
/// <see cref="Path"/> is the object's key relative to the repository root.
/// </summary>
public readonly record struct ObjectName(ObjectKind Kind, string Name)
{
    /// <summary>The single config object.</summary>
    public static ObjectName Config { get; } = new(ObjectKind.Config, "config");

    /// <summary>The object's path below the repository root, with '/' separators.</summary>
    public string Path => Kind switch
    {
        ObjectKind.Config => "config",
        ObjectKind.Pack => $"data/{Name[..2]}/{Name}",
        ObjectKind.Index => $"index/{Name}",
        ObjectKind.Snapshot => $"snapshots/{Name}",
        ObjectKind.Lock => $"locks/{Name}",
        ObjectKind.StandardSnapshot => $"standard/snapshots/{Name}",
        ObjectKind.StandardFile => $"standard/files/{Name[..2]}/{Name}",
        _ => throw new ArgumentOutOfRangeException(nameof(Kind)),
    };

    /// <summary>The folder holding every object of <paramref name="kind"/>.</summary>
    public static string Prefix(ObjectKind kind) => kind switch
    {
        ObjectKind.Config => "config",
        ObjectKind.Pack => "data/",
        ObjectKind.Index => "index/",
        ObjectKind.Snapshot => "snapshots/",
        ObjectKind.Lock => "locks/",
        ObjectKind.StandardSnapshot => "standard/snapshots/",
        ObjectKind.StandardFile => "standard/files/",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <inheritdoc />
    public override string ToString() => Path;
}
