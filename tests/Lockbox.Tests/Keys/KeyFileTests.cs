using Lockbox.Keys;
using Xunit;

namespace Lockbox.Tests.Keys;

public sealed class KeyFileTests : IDisposable
{
    private const string Digits = "00112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210";
    private readonly TempFolder _folder = new();

    [Fact]
    public void A_key_file_holds_the_64_digits_and_only_its_owner_can_read_it()
    {
        using var key = BackupKey.Parse(Digits);
        string path = _folder.Combine("backup-key");

        KeyFile.Write(path, key, replace: false);

        using var read = BackupKey.Parse(File.ReadAllText(path));
        Assert.Equal(key.Bytes.ToArray(), read.Bytes.ToArray());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void A_refused_write_leaves_the_existing_file_as_it_was_and_no_temporary_copy_of_the_key()
    {
        using var key = BackupKey.Parse(Digits);
        string path = _folder.Combine("backup-key");
        File.WriteAllText(path, "someone else's file");

        Assert.ThrowsAny<IOException>(() => KeyFile.Write(path, key, replace: false));

        Assert.Equal("someone else's file", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_folder.Path));
    }

    public void Dispose() => _folder.Dispose();
}
