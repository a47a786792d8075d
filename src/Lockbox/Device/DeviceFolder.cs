using System.Text.Json;
using Lockbox.Keys;
using Lockbox.Repository;

namespace Lockbox.Device;

/// <summary>
/// What the device keeps between runs, in one folder: the backup key as 64 digits in
/// <c>backup-key</c> (mode 0600), the new key during a rotation in <c>backup-key.next</c>, the mode,
/// any unfinished operation and the newest snapshot it wrote or saw in <c>state.json</c> (no secret), the database base copies in
/// <c>cache/</c> and scratch space in <c>work/</c>. Every file is replaced atomically, flushed before
/// it replaces the old one and the folder flushed after, so a crash or power loss leaves the old file
/// or the new one.
/// </summary>
public sealed class DeviceFolder
{
    private const string KeyFileName = "backup-key";
    private const string NextKeyFileName = "backup-key.next";
    private const string StateFileName = "state.json";

    /// <summary>Uses <paramref name="path"/>, creating it (mode 0700) when first written.</summary>
    public DeviceFolder(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
    }

    private int _holding;

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>Where base copies of databases are kept for page deltas.</summary>
    public string CacheFolder => System.IO.Path.Combine(Path, "cache");

    /// <summary>Scratch space for snapshots being moved between formats or keys.</summary>
    public string WorkFolder => System.IO.Path.Combine(Path, "work");

    /// <summary>The file holding the backup key.</summary>
    public string KeyFile => System.IO.Path.Combine(Path, KeyFileName);

    /// <summary>
    /// The default: <c>$LOCKBOX_DEVICE</c>, else <c>$XDG_DATA_HOME/lockbox</c>, else
    /// <c>~/.local/share/lockbox</c>.
    /// </summary>
    public static string DefaultPath()
    {
        if (Environment.GetEnvironmentVariable("LOCKBOX_DEVICE") is { Length: > 0 } configured)
        {
            return configured;
        }

        string? xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        return string.IsNullOrEmpty(xdg)
            ? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share", "lockbox")
            : System.IO.Path.Combine(xdg, "lockbox");
    }

    /// <summary>
    /// Takes the device folder for one operation: a second Lockbox process on the same folder (a
    /// scheduled backup while the user switches modes) is refused until this one is disposed.
    /// </summary>
    /// <exception cref="LockboxException">Another process holds it.</exception>
    public IDisposable Acquire()
    {
        EnsureFolder();
        try
        {
            // FileShare.None is an advisory lock (flock) that every .NET process honours; the OS
            // drops it when the holder dies, so a killed process never leaves the folder locked.
            var held = new FileStream(Combine(".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            Interlocked.Increment(ref _holding);
            return new Held(this, held);
        }
        catch (IOException e) when (File.Exists(Combine(".lock")))
        {
            throw new LockboxException($"Another Lockbox process is using the device folder {Path}; try again when it finishes.", e);
        }
    }

    /// <summary>The backup key this device holds, or null.</summary>
    /// <exception cref="LockboxException">The key file is damaged.</exception>
    public BackupKey? LoadKey() => LoadKeyFile(KeyFileName);

    /// <summary>The new key of an unfinished rotation, or null.</summary>
    public BackupKey? LoadNextKey() => LoadKeyFile(NextKeyFileName);

    /// <summary>Saves the backup key, readable only by its owner.</summary>
    public void SaveKey(BackupKey key) => WriteSecret(KeyFileName, key);

    /// <summary>Saves the new key of a rotation beside the current one.</summary>
    public void SaveNextKey(BackupKey key) => WriteSecret(NextKeyFileName, key);

    /// <summary>Makes the rotation's new key the backup key, in one rename.</summary>
    public void PromoteNextKey()
    {
        string next = Combine(NextKeyFileName);
        if (File.Exists(next))
        {
            File.Move(next, Combine(KeyFileName), overwrite: true);
            DirectoryFlush.Flush(Path);
        }
    }

    /// <summary>
    /// Forgets the backup key (and any next key, and any copy a killed write left behind). Each file
    /// is overwritten with zeros before it is unlinked.
    /// </summary>
    public void DeleteKeys()
    {
        var leftovers = Directory.Exists(Path)
            ? Directory.EnumerateFiles(Path, $".{KeyFileName}*.tmp").Select(System.IO.Path.GetFileName).OfType<string>()
            : [];
        foreach (string name in new[] { NextKeyFileName, KeyFileName }.Concat(leftovers.ToList()))
        {
            string path = Combine(name);
            if (!File.Exists(path))
            {
                continue;
            }

            // Renamed first, in one step, to a name a rerun also sweeps: a kill while the bytes are
            // overwritten never leaves a zeroed file where the key was.
            string doomed = name.EndsWith(".tmp", StringComparison.Ordinal) ? path : Combine($".{KeyFileName}.{Guid.NewGuid():N}.tmp");
            File.Move(path, doomed);
            AtomicFile.Erase(doomed);
        }
    }

    /// <summary>The device's state; a device that has never been set up is in standard mode.</summary>
    public DeviceState LoadState()
    {
        string path = Combine(StateFileName);
        if (!File.Exists(path))
        {
            return new DeviceState();
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), DeviceJson.Default.DeviceState) ?? new DeviceState();
        }
        catch (JsonException e)
        {
            throw new LockboxException($"The device state {path} is damaged; move it away to start again.", e);
        }
    }

    /// <summary>Saves the device's state.</summary>
    public void SaveState(DeviceState state) => WriteAtomically(StateFileName, JsonSerializer.SerializeToUtf8Bytes(state, DeviceJson.Default.DeviceState));

    /// <summary>
    /// Compares a repository's snapshots with the newest this device wrote or saw of its own groups
    /// (<paramref name="hostname"/>, and <paramref name="source"/> when given: the chat store it backs
    /// up), and remembers any newer one seen (docs/FORMAT.md §13). The memory is saved under the
    /// device lock; when another process holds it, this run's sighting is not remembered.
    /// </summary>
    /// <returns>The rollback warning to show, or null when the storage shows every group's newest snapshot.</returns>
    public RollbackWarning? CheckSnapshots(string repositoryId, SnapshotListing listing, string hostname, string? source = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(repositoryId);
        ArgumentNullException.ThrowIfNull(listing);
        ArgumentException.ThrowIfNullOrEmpty(hostname);
        source = source is null ? null : System.IO.Path.GetFullPath(source);
        var state = LoadState();
        var warning = SnapshotMemory.Check(state, repositoryId, hostname, source, listing);
        if (SnapshotMemory.Seen(state, repositoryId, hostname, source, listing) is not null)
        {
            IDisposable? taken = null;
            try
            {
                taken = Volatile.Read(ref _holding) > 0 ? null : Acquire();
            }
            catch (LockboxException)
            {
                return warning; // another process is at work here; it keeps its own memory
            }

            using (taken)
            {
                // Read again under the lock, so nothing another process saved meanwhile is lost.
                var current = LoadState();
                if (SnapshotMemory.Seen(current, repositoryId, hostname, source, listing) is { } raised)
                {
                    SaveState(raised);
                }
            }
        }

        return warning;
    }

    private BackupKey? LoadKeyFile(string name)
    {
        string path = Combine(name);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return BackupKey.Parse(File.ReadAllText(path));
        }
        catch (FormatException)
        {
            throw new LockboxException($"The key file {path} is damaged.");
        }
    }

    private void WriteSecret(string name, BackupKey key)
    {
        EnsureFolder();
        Keys.KeyFile.Write(Combine(name), key, replace: true);
    }

    private void WriteAtomically(string name, byte[] content)
    {
        EnsureFolder();
        AtomicFile.Write(Combine(name), content, replace: true);
    }

    private void EnsureFolder()
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(Path);
        }
        else
        {
            // Also for a folder that already existed (--device): its cache holds the chat history in the clear.
            const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            Directory.CreateDirectory(Path, OwnerOnly);
            if (File.GetUnixFileMode(Path) != OwnerOnly)
            {
                File.SetUnixFileMode(Path, OwnerOnly);
            }
        }
    }

    private string Combine(string name) => System.IO.Path.Combine(Path, name);

    private sealed class Held(DeviceFolder folder, FileStream stream) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref folder._holding);
                stream.Dispose();
            }
        }
    }
}
