using Lockbox.Backup;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Restore;
using Lockbox.Storage;

namespace Lockbox.Tests.Engine;

/// <summary>A fresh source folder, repository folder and key for one test.</summary>
public sealed class RepositoryFixture : IDisposable
{
    public const string KeyDigits = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

    private readonly TempFolder _folder = new();

    public RepositoryFixture()
    {
        Source = _folder.Combine("source");
        RepositoryPath = _folder.Combine("repo");
        Directory.CreateDirectory(Source);
        Storage = new LocalStorage(RepositoryPath);
        Key = BackupKey.Parse(KeyDigits);
    }

    public string Source { get; }

    public string RepositoryPath { get; }

    public IStorage Storage { get; }

    public BackupKey Key { get; }

    /// <summary>The device cache (database base copies) for this test.</summary>
    public string CacheFolder => _folder.Combine("cache");

    public string NewFolder(string name) => _folder.Combine(name);

    public async Task InitAsync()
    {
        using var repository = await Repository.Repository.InitAsync(Storage, Key);
    }

    public async Task<BackupResult> BackupAsync(IStorage? storage = null, CancellationToken cancellationToken = default)
    {
        using var repository = await Repository.Repository.OpenAsync(storage ?? Storage, Key, cancellationToken);
        return await repository.BackupAsync(new BackupRequest(Source) { Hostname = "test-phone", CacheFolder = CacheFolder }, cancellationToken);
    }

    public async Task<RestoreResult> RestoreAsync(string target, string snapshot = "latest", params string[] include)
    {
        using var repository = await Repository.Repository.OpenAsync(Storage, Key);
        return await repository.RestoreAsync(new RestoreRequest(snapshot, target) { Include = include });
    }

    /// <summary>A restore whose page deltas all go to the spill file, none kept in memory.</summary>
    public async Task<RestoreResult> RestoreSpillingAsync(string target, string snapshot)
    {
        using var repository = await Repository.Repository.OpenAsync(Storage, Key);
        return await repository.RestoreAsync(new RestoreRequest(snapshot, target) { DeltaMemoryBudget = 0 });
    }

    public async Task<Lockbox.Check.CheckResult> CheckAsync(bool readData)
    {
        using var repository = await Repository.Repository.OpenAsync(Storage, Key);
        return await repository.CheckAsync(readData);
    }

    public string WriteFile(string relative, byte[] content)
    {
        string path = Path.Combine(Source, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    public static byte[] RandomBytes(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public List<string> PackPaths() =>
        Directory.Exists(Path.Combine(RepositoryPath, "data"))
            ? [.. Directory.EnumerateFiles(Path.Combine(RepositoryPath, "data"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)]
            : [];

    public void Dispose()
    {
        Key.Dispose();
        _folder.Dispose();
    }
}

/// <summary>Asserts that two folders hold the same files with the same bytes.</summary>
public static class FolderAssert
{
    public static void Identical(string expected, string actual)
    {
        var expectedFiles = Files(expected);
        var actualFiles = Files(actual);
        Xunit.Assert.Equal(expectedFiles.Keys.Order(StringComparer.Ordinal), actualFiles.Keys.Order(StringComparer.Ordinal));
        foreach (var (relative, path) in expectedFiles)
        {
            Xunit.Assert.True(File.ReadAllBytes(path).AsSpan().SequenceEqual(File.ReadAllBytes(actualFiles[relative])), $"{relative} differs");
        }
    }

    private static Dictionary<string, string> Files(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => new FileInfo(f).LinkTarget is null)
            .ToDictionary(f => Path.GetRelativePath(root, f).Replace('\\', '/'), f => f, StringComparer.Ordinal);
}
