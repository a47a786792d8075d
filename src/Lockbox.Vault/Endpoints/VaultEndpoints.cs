using System.Security.Claims;
using Lockbox.Vault.Protocol;
using Lockbox.Vault.Protocol.Contracts;
using Lockbox.Vault.Server.Http;

namespace Lockbox.Vault.Server.Endpoints;

/// <summary>The HTTP surface, documented in docs/PROTOCOL.md.</summary>
internal static class VaultEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/" + VaultPaths.Health, () => Results.Text("ok")).AllowAnonymous().DisableRateLimiting();
        app.MapGet("/" + VaultPaths.Info, (VaultService vault) => vault.Info()).AllowAnonymous();

        var authorized = app.MapGroup("").RequireAuthorization();
        authorized.MapPost("/" + VaultPaths.RegistrationStart, async (HttpContext http, VaultService vault) =>
            await vault.StartRegistrationAsync(Account(http), await Wire.ReadAsync<RegistrationStartRequest>(http.Request).ConfigureAwait(false), http.RequestAborted)
                .ConfigureAwait(false));
        authorized.MapPost("/" + VaultPaths.RegistrationFinish, async (HttpContext http, VaultService vault) =>
            await vault.FinishRegistrationAsync(Account(http), await Wire.ReadAsync<RegistrationFinishRequest>(http.Request).ConfigureAwait(false), http.RequestAborted)
                .ConfigureAwait(false));
        authorized.MapPost("/" + VaultPaths.FreshStart, (HttpContext http, VaultService vault) => vault.RequestFreshStartAsync(Account(http), http.RequestAborted));
        authorized.MapPost("/" + VaultPaths.Challenge, (HttpContext http, VaultService vault) => vault.ChallengeAsync(Account(http), http.RequestAborted));
        authorized.MapPost("/" + VaultPaths.LoginStart, async (HttpContext http, VaultService vault) =>
            await vault.StartLoginAsync(Account(http), await Wire.ReadAsync<LoginStartRequest>(http.Request).ConfigureAwait(false), http.RequestAborted)
                .ConfigureAwait(false));
        authorized.MapPost("/" + VaultPaths.LoginFinish, async (HttpContext http, VaultService vault) =>
            await vault.FinishLoginAsync(Account(http), await Wire.ReadAsync<LoginFinishRequest>(http.Request).ConfigureAwait(false), http.RequestAborted)
                .ConfigureAwait(false));
        authorized.MapPost("/" + VaultPaths.RecordDelete, async (HttpContext http, VaultService vault) =>
        {
            var request = await Wire.ReadAsync<RecordProofRequest>(http.Request).ConfigureAwait(false);
            await vault.DeleteRecordAsync(Account(http), request, http.RequestAborted).ConfigureAwait(false);
            return Results.NoContent();
        });
        authorized.MapPost("/" + VaultPaths.RecordCheck, async (HttpContext http, VaultService vault) =>
            await vault.CheckRecordAsync(Account(http), await Wire.ReadAsync<RecordProofRequest>(http.Request).ConfigureAwait(false), http.RequestAborted)
                .ConfigureAwait(false));
    }

    /// <summary>The account id: the token's "sub", never anything from the body.</summary>
    public static string Account(HttpContext http)
    {
        string? sub = http.User.FindFirstValue("sub");
        if (string.IsNullOrEmpty(sub) || System.Text.Encoding.UTF8.GetByteCount(sub) > VaultLengths.MaxAccount)
        {
            throw new VaultProblemException(StatusCodes.Status401Unauthorized, VaultErrorCodes.BadToken, "The token's 'sub' must be an account id of 1-256 bytes.");
        }

        return sub;
    }
}
