using System.Security.Claims;
using Lockbox.Vault.Http;

namespace Lockbox.Vault.Endpoints;

/// <summary>The HTTP surface, documented in docs/PROTOCOL.md.</summary>
internal static class VaultEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/healthz", () => Results.Text("ok")).AllowAnonymous().DisableRateLimiting();
        app.MapGet("/v1/vault-info", (VaultService vault) => vault.Info()).AllowAnonymous();

        var v1 = app.MapGroup("/v1").RequireAuthorization();
        v1.MapPost("/registration/start", async (HttpContext http, VaultService vault) =>
            await vault.StartRegistrationAsync(Account(http), await Wire.ReadAsync<RegistrationStartRequest>(http.Request).ConfigureAwait(false), http.RequestAborted)
                .ConfigureAwait(false));
        v1.MapPost("/registration/finish", async (HttpContext http, VaultService vault) =>
            await vault.FinishRegistrationAsync(Account(http), await Wire.ReadAsync<RegistrationFinishRequest>(http.Request).ConfigureAwait(false), http.RequestAborted)
                .ConfigureAwait(false));
        v1.MapPost("/fresh-start", (HttpContext http, VaultService vault) => vault.RequestFreshStartAsync(Account(http), http.RequestAborted));
        v1.MapPost("/challenge", (HttpContext http, VaultService vault) => vault.ChallengeAsync(Account(http), http.RequestAborted));
        v1.MapPost("/login/start", async (HttpContext http, VaultService vault) =>
            await vault.StartLoginAsync(Account(http), await Wire.ReadAsync<LoginStartRequest>(http.Request).ConfigureAwait(false), http.RequestAborted)
                .ConfigureAwait(false));
        v1.MapPost("/login/finish", async (HttpContext http, VaultService vault) =>
            await vault.FinishLoginAsync(Account(http), await Wire.ReadAsync<LoginFinishRequest>(http.Request).ConfigureAwait(false), http.RequestAborted)
                .ConfigureAwait(false));
        v1.MapPost("/record/delete", async (HttpContext http, VaultService vault) =>
        {
            var request = await Wire.ReadAsync<RecordProofRequest>(http.Request).ConfigureAwait(false);
            await vault.DeleteRecordAsync(Account(http), request, http.RequestAborted).ConfigureAwait(false);
            return Results.NoContent();
        });
        v1.MapPost("/record/check", async (HttpContext http, VaultService vault) =>
            await vault.CheckRecordAsync(Account(http), await Wire.ReadAsync<RecordProofRequest>(http.Request).ConfigureAwait(false), http.RequestAborted)
                .ConfigureAwait(false));
    }

    /// <summary>The account id: the token's "sub", never anything from the body.</summary>
    public static string Account(HttpContext http)
    {
        string? sub = http.User.FindFirstValue("sub");
        if (string.IsNullOrEmpty(sub) || System.Text.Encoding.UTF8.GetByteCount(sub) > 256)
        {
            throw new VaultProblemException(StatusCodes.Status401Unauthorized, "bad-token", "The token's 'sub' must be an account id of 1-256 bytes.");
        }

        return sub;
    }
}
