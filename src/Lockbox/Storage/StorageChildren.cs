namespace Lockbox.Storage;

/// <summary>The rule for <see cref="IStorage.Child"/> names: one path segment that no object kind uses.</summary>
public static class StorageChildren
{
    /// <summary>The child where key rotation builds the new repository (docs/FORMAT.md §17).</summary>
    public const string Rotation = "rotation";

    /// <summary>Returns <paramref name="name"/> when it is lowercase letters, digits and dashes and not an object kind's folder.</summary>
    /// <exception cref="ArgumentException">It is not.</exception>
    public static string Validate(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        bool plain = name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');
        if (!plain || name is "config" or "data" or "index" or "snapshots" or "locks" or "standard")
        {
            throw new ArgumentException($"\"{name}\" cannot name a child storage.", nameof(name));
        }

        return name;
    }
}
