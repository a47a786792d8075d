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

    /// <summary>
    /// The object at <paramref name="path"/> (relative to the repository root, '/'-separated) if it is
    /// one of <paramref name="kind"/> as the format names it (docs/FORMAT.md §2): anything else in a
    /// listing (a stray file, another tool's object) is no object of the repository, never read
    /// and never deleted.
    /// </summary>
    public static bool TryFromPath(ObjectKind kind, string path, out ObjectName name)
    {
        ArgumentNullException.ThrowIfNull(path);
        name = new ObjectName(kind, path[(path.LastIndexOf('/') + 1)..]);
        int digits = kind switch
        {
            ObjectKind.Config => 0,
            ObjectKind.StandardSnapshot => 32,
            _ => 64,
        };
        bool wellFormed = kind == ObjectKind.Config
            ? name.Name == "config"
            : name.Name.Length == digits && name.Name.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
        return wellFormed && name.Path == path;
    }

    /// <inheritdoc />
    public override string ToString() => Path;
}
