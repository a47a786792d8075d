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
}
