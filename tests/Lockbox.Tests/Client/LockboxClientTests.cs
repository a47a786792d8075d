using Lockbox.Client;
using Lockbox.Device;
using Lockbox.Keys;
using Lockbox.Repository;
using Xunit;

namespace Lockbox.Tests.Client;

/// <summary>The facade an app calls, in key mode (password mode: tests/Lockbox.Vault.Tests/ClientPasswordModeTests).</summary>
public sealed class LockboxClientTests : IDisposable
{
    private readonly ClientFixture _fixture = new();

    [Fact]
    public async Task A_new_device_starts_in_standard_mode_and_says_the_provider_can_read_its_backups()
    {
        await _fixture.GenerateAsync();
        var phone = _fixture.Client();

        var backup = await phone.BackupAsync();
        var status = await phone.GetStatusAsync();

        Assert.Equal(BackupMode.Standard, backup.Mode);
        Assert.Equal(BackupMode.Standard, status.Mode);
        Assert.Equal(1, status.StandardSnapshots);
        Assert.True(status.UnencryptedObjects > 0);
        Assert.Equal(0, status.EncryptedSnapshots);
    }

    [Fact]
    public async Task Incremental_backups_after_enable_upload_only_what_changed()
    {
        await _fixture.GenerateAsync();
        var phone = _fixture.Client();
        await phone.EnableWithKeyAsync(ClientFixture.TypeBack);
        await _fixture.NextDayAsync(seed: 3);

        var next = await phone.BackupAsync();

        Assert.Equal(BackupMode.Key, next.Mode);
        Assert.True(next.UploadedBytes < next.Bytes / 4, $"{next.UploadedBytes} of {next.Bytes} uploaded");
        var status = await phone.GetStatusAsync();
        Assert.Equal(2, status.EncryptedSnapshots);
        Assert.Equal(_fixture.Clock.Now, status.LastBackup);
        Assert.Equal(0, status.UnencryptedObjects);
    }

    [Fact]
    public async Task Restore_with_the_key_on_a_new_device_adopts_the_key_and_carries_on_in_key_mode()
    {
        await _fixture.GenerateAsync();
        await _fixture.Client().EnableWithKeyAsync(ClientFixture.TypeBack);
        using var key = _fixture.PhoneKey();
        using var typed = BackupKey.Parse(key.ToDisplayString().ToUpperInvariant());
        string target = _fixture.Combine("new-phone-store");
        var newPhone = _fixture.Client(device: "new-phone-device", chatStore: target);

        var result = await newPhone.RestoreWithKeyAsync(typed, target);

        Assert.Equal(ClientFixture.Digest(_fixture.Phone), ClientFixture.Digest(target));
        Assert.True(result.Files > 1);
        Assert.Equal(BackupMode.Key, (await newPhone.GetStatusAsync()).Mode);
        Assert.Equal(BackupMode.Key, (await newPhone.BackupAsync()).Mode);
    }

    [Fact]
    public async Task Restore_with_wrong_key_reports_wrong_key_and_writes_nothing()
    {
        await _fixture.GenerateAsync();
        await _fixture.Client().EnableWithKeyAsync(ClientFixture.TypeBack);
        using var wrong = BackupKey.Generate();
        string target = _fixture.Combine("new-phone-store");
        var newPhone = _fixture.Client(device: "new-phone-device", chatStore: target);

        var failure = await Assert.ThrowsAsync<WrongKeyException>(() => newPhone.RestoreWithKeyAsync(wrong, target));

        Assert.Contains("Wrong key", failure.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target));
        Assert.Null(new DeviceFolder(_fixture.Combine("new-phone-device")).LoadKey());
    }

    [Fact]
    public async Task Enable_twice_in_the_same_mode_is_refused_and_password_mode_needs_a_vault()
    {
        await _fixture.GenerateAsync();
        var phone = _fixture.Client();
        await phone.EnableWithKeyAsync(ClientFixture.TypeBack);

        await Assert.ThrowsAsync<LockboxException>(() => phone.EnableWithKeyAsync(ClientFixture.TypeBack));
        var noVault = await Assert.ThrowsAsync<LockboxException>(() => phone.EnableWithPasswordAsync("a password"));
        Assert.Contains("No key vault", noVault.Message, StringComparison.Ordinal);
        Assert.Equal(BackupMode.Key, (await phone.GetStatusAsync()).Mode);
    }

    [Fact]
    public async Task The_device_key_file_is_readable_only_by_its_owner_and_is_the_only_file_holding_it()
    {
        await _fixture.GenerateAsync();
        await _fixture.Client().EnableWithKeyAsync(ClientFixture.TypeBack);
        string file = Path.Combine(_fixture.Combine("phone-device"), "backup-key");

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        Assert.Matches(@"^([0-9a-f]{4} ){15}[0-9a-f]{4}\n$", File.ReadAllText(file));
        string digits = File.ReadAllText(file).Replace(" ", "", StringComparison.Ordinal).Trim();
        foreach (string other in Directory.EnumerateFiles(_fixture.Combine("phone-device"), "*", SearchOption.AllDirectories).Where(f => f != file))
        {
            string text = File.ReadAllText(other).Replace(" ", "", StringComparison.Ordinal);
            Assert.DoesNotContain(digits[..16], text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_second_process_on_the_same_device_folder_is_refused_until_the_first_finishes()
    {
        await _fixture.GenerateAsync();
        var phone = _fixture.Client();
        var device = _fixture.PhoneDevice;

        using (device.Acquire())
        {
            var busy = await Assert.ThrowsAsync<LockboxException>(() => phone.BackupAsync());
            Assert.Contains("Another Lockbox process is using the device folder", busy.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<LockboxException>(() => phone.EnableWithKeyAsync(ClientFixture.TypeBack));
        }

        Assert.Equal(BackupMode.Standard, (await phone.BackupAsync()).Mode);
    }

    [Fact]
    public void Every_public_member_of_the_facade_is_documented_in_the_package_xml_docs()
    {
        var documented = System.Xml.Linq.XDocument.Load(Path.Combine(AppContext.BaseDirectory, "Lockbox.xml"))
            .Descendants("member").Select(m => (string)m.Attribute("name")!).ToList();
        var types = new[] { typeof(LockboxClient), typeof(LockboxClientOptions), typeof(LockboxStatus), typeof(LockboxProgress), typeof(LockboxRestoreOptions) };
        foreach (var type in types)
        {
            Assert.Contains("T:" + type.FullName, documented);
            foreach (var member in type.GetMembers(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly)
                         .Where(m => m is System.Reflection.MethodInfo { IsSpecialName: false } && m.DeclaringType == type && !m.Name.StartsWith('<') && m.Name is not ("Equals" or "GetHashCode" or "ToString" or "Deconstruct" or "PrintMembers")))
            {
                Assert.Contains(documented, d => d.StartsWith($"M:{type.FullName}.{member.Name}", StringComparison.Ordinal));
            }
        }
    }

    public void Dispose() => _fixture.Dispose();
}
