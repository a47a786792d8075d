using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Lockbox.Opaque;
using Lockbox.Opaque.Ksf;
using Lockbox.Opaque.Messages;

namespace Lockbox.Vault.Tests;

/// <summary>Speaks the vault's wire protocol by hand, to send what a correct client never would.</summary>
internal static class Raw
{
    public static readonly byte[] Context = Encoding.UTF8.GetBytes("LockboxVault-v1");

    public static async Task<HttpResponseMessage> PostAsync(VaultHost host, string account, string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", VaultHost.Token(account));
        return await host.Http.SendAsync(request);
    }

    public static async Task<HttpResponseMessage> PostTextAsync(VaultHost host, string account, string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", VaultHost.Token(account));
        return await host.Http.SendAsync(request);
    }

    /// <summary>Posts JSON for <paramref name="account"/> and returns the reply's JSON, asserting success: for <see cref="Lockbox.Fuzzing.HandRegistration"/>.</summary>
    public static Func<string, string, Task<JsonElement>> Poster(VaultHost host, string account) =>
        async (path, json) => await JsonAsync(await PostTextAsync(host, account, path, json));

    /// <summary>registration/start for <paramref name="account"/>, by hand.</summary>
    public static async Task<Lockbox.Fuzzing.HandRegistration> StartRegistrationAsync(VaultHost host, string account, string password = "a password") =>
        await Lockbox.Fuzzing.HandRegistration.StartAsync(Poster(host, account), await host.PublicKeyAsync(), password);

    /// <summary>A proof of possession of <paramref name="backupKey"/> for <paramref name="purpose"/> over <paramref name="payload"/>, with a fresh nonce.</summary>
    public static async Task<ProofContract> ProofAsync(VaultHost host, string account, byte[] backupKey, PossessionProof.Purpose purpose, byte[] payload)
    {
        var challenge = await JsonAsync(await PostTextAsync(host, account, "v1/challenge", "{}"));
        string nonce = challenge.GetProperty("nonce").GetString()!;
        using var key = PossessionKey.FromBackupKey(backupKey);
        byte[] signature = key.Sign(PossessionProof.Message(purpose, Convert.FromBase64String(nonce), account, payload));
        return new ProofContract(nonce, Convert.ToBase64String(signature));
    }

    /// <summary>A replacement proof for a finish carrying these fields (KSF 256 KiB, 1 pass, as hand registrations use).</summary>
    public static Task<ProofContract> ReplaceProofAsync(
        VaultHost host, string account, byte[] backupKey, string recordId, byte[] record, byte[] wrappedKey, byte[] possessionKey) =>
        ProofAsync(host, account, backupKey, PossessionProof.Purpose.Replace,
            PossessionProof.ReplacementPayload(Convert.FromBase64String(recordId), record, wrappedKey, possessionKey, new KsfParameters(256, 1, 1)));

    public static async Task<(string Code, int? TriesLeft)> ProblemAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        int? left = json.RootElement.TryGetProperty("triesLeft", out var t) ? t.GetInt32() : null;
        return (json.RootElement.GetProperty("code").GetString()!, left);
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.Clone();
    }

    /// <summary>A started login: the client state and the vault's reply.</summary>
    public sealed record Started(ClientLogin Client, string LoginId, KE2 Ke2, string State);

    public static async Task<Started> StartLoginAsync(VaultHost host, string account, string password)
    {
        var client = ClientLogin.Start(Encoding.UTF8.GetBytes(password), out var ke1);
        var reply = await JsonAsync(await PostAsync(host, account, "v1/login/start", new { ke1 = Convert.ToBase64String(ke1.ToArray()) }));
        return new Started(
            client,
            reply.GetProperty("loginId").GetString()!,
            KE2.Parse(Convert.FromBase64String(reply.GetProperty("ke2").GetString()!)),
            reply.GetProperty("state").GetString()!);
    }

    /// <summary>Finishes a login with the right password: returns its KE3 (the client side only).</summary>
    public static KE3 ClientFinish(Started started) => started.Client.Finish(started.Ke2, new Argon2idKsf(256 * 1024, 1), null, Context).KE3;

    /// <summary>Sends <paramref name="ke3"/> for the login <paramref name="started"/>, with that login's id and state.</summary>
    public static Task<HttpResponseMessage> FinishAsync(VaultHost host, string account, Started started, KE3 ke3) =>
        PostAsync(host, account, "v1/login/finish", new { loginId = started.LoginId, ke3 = Convert.ToBase64String(ke3.ToArray()), state = started.State });

    /// <summary>Sends a KE3 of raw bytes (say, one that cannot verify) for the login <paramref name="started"/>.</summary>
    public static Task<HttpResponseMessage> FinishAsync(VaultHost host, string account, Started started, byte[] ke3) =>
        PostAsync(host, account, "v1/login/finish", new { loginId = started.LoginId, ke3 = Convert.ToBase64String(ke3), state = started.State });
}
