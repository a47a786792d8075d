using Lockbox.Storage;
using Xunit;

namespace Lockbox.Tests.Storage;

public sealed class LocalStorageTests : StorageContract, IDisposable
{
    private readonly TempFolder _folder = new();

    public LocalStorageTests()
    {
        Storage = new LocalStorage(_folder.Path);
    }

    protected override IStorage Storage { get; }

    [Fact]
    public async Task A_write_leaves_no_temporary_file_behind()
    {
        await Storage.WriteAsync(new ObjectName(ObjectKind.Pack, "12" + new string('3', 62)), new byte[100]);
        Assert.Single(Directory.EnumerateFiles(_folder.Path, "*", SearchOption.AllDirectories));
    }

    public void Dispose() => _folder.Dispose();
}
