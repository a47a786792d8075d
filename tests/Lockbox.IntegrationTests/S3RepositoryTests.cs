using Lockbox.Backup;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Restore;
using Lockbox.Storage;
using Xunit;

namespace Lockbox.IntegrationTests;

/// <summary>The whole engine against a real S3 protocol server: back up, back up again, check, restore, prune.</summary>
public sealed class S3RepositoryTests : IDisposable
{
    private readonly Lockbox.Tests.TempFolder _folder = new();

    [Fact]
    public async Task Chat_store_backs_up_to_S3_incrementally_and_restores_byte_for_byte()
    {
        string source = _folder.Combine("phone");
        Write(Path.Combine(source, "media", "Video", "clip.mp4"), 9 * 1024 * 1024, 1);
        Write(Path.Combine(source, "media", "Images", "photo.jpg"), 700_000, 2);
        using var storage = new S3Storage(S3Server.FreshRepository());
        using var key = BackupKey.Generate();
        var request = new BackupRequest(source) { Hostname = "phone", CacheFolder = _folder.Combine("cache") };

        using (var repository = await Repository.Repository.InitAsync(storage, key))
        {
            await repository.BackupAsync(request);
        }

        Write(Path.Combine(source, "media", "Images", "new.jpg"), 300_000, 3);
        using (var repository = await Repository.Repository.OpenAsync(storage, key))
        {
            var second = await repository.BackupAsync(request);
            Assert.True(second.Summary.NewBytes < 400_000, $"second backup stored {second.Summary.NewBytes} new bytes");
            var check = await repository.CheckAsync(readData: true);
            Assert.True(check.IsHealthy, string.Join("\n", check.Errors));

            string target = _folder.Combine("new-phone");
            await repository.RestoreAsync(new RestoreRequest("latest", target));
            foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(target, Path.GetRelativePath(source, file))));
            }

            await repository.ForgetAsync(new Lockbox.Retention.RetentionPolicy(KeepLast: 1));
            await repository.PruneAsync();
            Assert.True((await repository.CheckAsync(readData: true)).IsHealthy);
        }
    }

    [Fact]
    public async Task Wrong_key_on_S3_is_reported_before_any_data_is_read()
    {
        using var storage = new S3Storage(S3Server.FreshRepository());
        using var key = BackupKey.Generate();
        using (await Repository.Repository.InitAsync(storage, key))
        {
        }

        using var wrong = BackupKey.Generate();
        await Assert.ThrowsAsync<WrongKeyException>(() => Repository.Repository.OpenAsync(storage, wrong));
    }

    private static void Write(string path, int length, int seed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
    }

    public void Dispose() => _folder.Dispose();
}
