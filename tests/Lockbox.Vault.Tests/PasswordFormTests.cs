using System.Text.Json;

namespace Lockbox.Vault.Tests;

/// <summary>
/// New passwords clear a floor and are NFC-normalized before OPAQUE; escrows made before either
/// change keep opening with the password exactly as it was typed then.
/// </summary>
public class PasswordFormTests : VaultTestBase
{
    // "café au lait": composed (NFC) and decomposed (NFD, e + U+0301), as two keyboards type it.
    private const string Composed = "caf\u00e9 au lait";
    private const string Decomposed = "cafe\u0301 au lait";

    [Theory]
    [InlineData("a")]
    [InlineData("abcde")]
    [InlineData("12345678")]
    [InlineData("e\u0301e\u0301e\u0301")] // six UTF-16 units, three code points after NFC
    public async Task Setting_a_password_below_the_floor_is_refused_and_registers_nothing(string password)
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.TestServer);
        var client = await host.ClientAsync("alice");

        var refused = await Assert.ThrowsAsync<WeakPasswordException>(() => client.EnableAsync(BackupKey, password));

        Assert.Contains("at least 6 characters, one of them a letter", refused.Message, StringComparison.Ordinal);
        Assert.Null(await host.Store.GetEscrowAsync("alice", default));
    }

    [Fact]
    public async Task Six_code_points_with_one_letter_are_enough()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.TestServer);
        var client = await host.ClientAsync("alice");
        await client.EnableAsync(BackupKey, "12345\u00e9");
        Assert.Equal(BackupKey, await client.RecoverAsync("12345\u00e9"));
    }

    [Fact]
    public async Task An_escrow_made_before_the_floor_with_password_a_still_restores()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.TestServer);
        await RegisterAsBeforeAsync(host, "alice", "a");

        Assert.Equal(BackupKey, await (await host.ClientAsync("alice")).RecoverAsync("a"));
    }

    [Fact]
    public async Task A_password_set_in_NFD_restores_when_typed_in_NFC()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.TestServer);
        await (await host.ClientAsync("alice")).EnableAsync(BackupKey, Decomposed);

        Assert.Equal(PasswordForm.Nfc, (await host.Store.GetEscrowAsync("alice", default))!.Form);
        Assert.Equal(BackupKey, await (await host.ClientAsync("alice")).RecoverAsync(Composed));
        Assert.Equal(BackupKey, await (await host.ClientAsync("alice")).RecoverAsync(Decomposed));
    }

    [Fact]
    public async Task An_escrow_made_before_normalization_opens_with_the_bytes_as_typed_and_the_form_costs_no_try()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.TestServer);
        await RegisterAsBeforeAsync(host, "alice", Decomposed);
        var client = await host.ClientAsync("alice");

        // The client tries NFC first; the vault refuses that form before counting, and the typed form is counted once.
        var wrong = await Assert.ThrowsAsync<VaultWrongPasswordException>(() => client.RecoverAsync("wrong\u0301 password"));
        Assert.Equal(9, wrong.TriesLeft);
        Assert.Equal(BackupKey, await client.RecoverAsync(Decomposed));
        Assert.Equal(PasswordForm.AsTyped, (await host.Store.GetEscrowAsync("alice", default))!.Form);
    }

    [Fact]
    public async Task A_proxy_cannot_change_the_recorded_form_without_breaking_the_registration_mac()
    {
        var host = await StartAsync(StoreKind.Sqlite, HostKind.TestServer);
        using var registration = await Raw.StartRegistrationAsync(host, "alice", "a password");
        byte[] wrapped = BackupKeyWrap.Wrap(registration.ExportKey, BackupKey);
        // The MAC covers the escrow as registered as typed; the body claims NFC.
        var body = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(registration.FinishBody(wrapped, PossessionKey.PublicKeyOf(BackupKey)))!;
        var altered = body.ToDictionary(p => p.Key, p => (object)p.Value);
        altered["passwordForm"] = "nfc";

        var response = await Raw.PostTextAsync(host, "alice", "v1/registration/finish", JsonSerializer.Serialize(altered));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(await host.Store.GetEscrowAsync("alice", default));
    }

    /// <summary>Registers as every client before normalization did: the UTF-8 bytes as typed, and no form on the wire.</summary>
    private static async Task RegisterAsBeforeAsync(VaultHost host, string account, string password)
    {
        using var registration = await Raw.StartRegistrationAsync(host, account, password);
        byte[] wrapped = BackupKeyWrap.Wrap(registration.ExportKey, BackupKey);
        var response = await Raw.PostTextAsync(host, account, "v1/registration/finish", registration.FinishBody(wrapped, PossessionKey.PublicKeyOf(BackupKey)));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
