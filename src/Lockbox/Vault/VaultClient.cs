using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Lockbox.Opaque;
using Lockbox.Opaque.Ksf;
using Lockbox.Opaque.Messages;

namespace Lockbox.Vault;

/// <summary>
/// Password mode: escrows the 32-byte backup key in a lockbox-vault behind an OPAQUE password, and
/// gets it back on a new device. The vault never sees the password or the unwrapped key, and its
/// public key is pinned from configuration. Failures are <see cref="VaultWrongPasswordException"/>,
/// <see cref="VaultKeyDestroyedException"/>, <see cref="VaultUnreachableException"/> or <see cref="VaultProtocolException"/>.
/// </summary>
public sealed class VaultClient
{
    private readonly HttpClient _http;
    private readonly VaultClientOptions _options;
    private readonly byte[] _context;

    /// <summary>Creates a client over <paramref name="http"/>, whose BaseAddress is the vault.</summary>
    public VaultClient(HttpClient http, VaultClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        if (options.PinnedPublicKey is not { Length: 32 })
        {
            throw new ArgumentException("The pinned vault public key must be 32 bytes.", nameof(options));
        }

        _http = http;
        _options = options;
        _context = Encoding.UTF8.GetBytes(options.Context);
    }

    /// <summary>Turns password mode on: registers <paramref name="password"/> and escrows <paramref name="backupKey"/> wrapped under the export key.</summary>
    /// <exception cref="VaultProtocolException">The account already has an escrow (use <see cref="ChangePasswordAsync"/>), or the vault is not the pinned one.</exception>
    public Task EnableAsync(ReadOnlyMemory<byte> backupKey, string password, CancellationToken cancellationToken = default) =>
        RegisterAsync(backupKey, password, replace: false, cancellationToken);

    /// <summary>
    /// Sets a new password on the original device, without the old one: the device proves it holds the
    /// backup key. Also re-escrows the key after <see cref="CheckAsync"/> found it gone.
    /// </summary>
    public async Task ChangePasswordAsync(ReadOnlyMemory<byte> backupKey, string password, CancellationToken cancellationToken = default)
    {
        if (await CheckAsync(backupKey, cancellationToken).ConfigureAwait(false) is null)
        {
            await RegisterAsync(backupKey, password, replace: false, cancellationToken).ConfigureAwait(false);
            return;
        }

        await RegisterAsync(backupKey, password, replace: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Key rotation: replaces the escrowed <paramref name="oldKey"/> with <paramref name="newKey"/> under
    /// <paramref name="password"/>, proving possession of the old key. Afterwards the vault releases only the new key.
    /// </summary>
    public Task ReplaceKeyAsync(ReadOnlyMemory<byte> oldKey, ReadOnlyMemory<byte> newKey, string password, CancellationToken cancellationToken = default) =>
        RegisterAsync(newKey, password, replace: true, cancellationToken, proveWith: oldKey);

    /// <summary>Recovers the backup key on a new device with the password.</summary>
    public async Task<byte[]> RecoverAsync(string password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(password);
        byte[] passwordBytes = Encoding.UTF8.GetBytes(password);
        using var login = ClientLogin.Start(passwordBytes, out var ke1);
        CryptographicOperations.ZeroMemory(passwordBytes);
        var start = await PostAsync("v1/login/start", Body(new LoginStartJson(Convert.ToBase64String(ke1.ToArray())), VaultWireJson.Default.LoginStartJson), VaultWireJson.Default.LoginStartReplyJson, cancellationToken)
            .ConfigureAwait(false);
        byte[] loginId = Decode(start.LoginId, 16);
        var ke2 = Parse(start.Ke2, KE2.Length, KE2.Parse);
        var ksf = KsfFrom(start.Ksf);

        LoginResult result;
        try
        {
            result = login.Finish(ke2, ksf, null, _context);
        }
        catch (OpaqueException e) when (e.Error is OpaqueError.EnvelopeRecoveryFailed or OpaqueError.ServerAuthenticationFailed)
        {
            // A wrong password (or an unknown account, which looks the same by design). Finish the login
            // with a KE3 that cannot verify, so the vault settles the attempt now and says how many are left.
            await PostAsync(
                "v1/login/finish",
                Body(new LoginFinishJson(start.LoginId, Convert.ToBase64String(RandomNumberGenerator.GetBytes(KE3.Length)), start.State), VaultWireJson.Default.LoginFinishJson),
                VaultWireJson.Default.LoginFinishReplyJson,
                cancellationToken)
                .ConfigureAwait(false);
            throw new VaultProtocolException("The vault accepted a KE3 that cannot be valid.");
        }

        using (result)
        {
            if (!CryptographicOperations.FixedTimeEquals(result.ServerPublicKey, _options.PinnedPublicKey))
            {
                throw new VaultProtocolException("The vault's public key does not match the pinned key; refusing to continue.");
            }

            var finish = await PostAsync(
                "v1/login/finish",
                Body(new LoginFinishJson(start.LoginId, Convert.ToBase64String(result.KE3.ToArray()), start.State), VaultWireJson.Default.LoginFinishJson),
                VaultWireJson.Default.LoginFinishReplyJson,
                cancellationToken)
                .ConfigureAwait(false);
            byte[]? wrapped = null;
            try
            {
                wrapped = VaultKeyCrypto.OpenReleasedKey(result.SessionKey, loginId, Decode(finish.SealedKey, 12 + VaultKeyCrypto.WrappedKeyLength + 16));
                return VaultKeyCrypto.UnwrapBackupKey(result.ExportKey, wrapped);
            }
            catch (CryptographicException e)
            {
                throw new VaultProtocolException("The released key does not open; the vault or the escrow is corrupt.", e);
            }
            finally
            {
                if (wrapped is not null)
                {
                    CryptographicOperations.ZeroMemory(wrapped);
                }
            }
        }
    }

    /// <summary>Turns password mode off: deletes the escrow, proving possession of the backup key.</summary>
    /// <exception cref="VaultKeyDestroyedException">There was no escrow for this key.</exception>
    public async Task DisableAsync(ReadOnlyMemory<byte> backupKey, CancellationToken cancellationToken = default)
    {
        var proof = await ProveAsync(backupKey, PossessionMessage.Delete, [], cancellationToken).ConfigureAwait(false);
        await SendAsync("v1/record/delete", Body(new RecordProofJson(proof), VaultWireJson.Default.RecordProofJson), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Asks whether the escrow of <paramref name="backupKey"/> still exists: null when it is gone (someone
    /// burned the guesses, or it was deleted), so the app can offer to escrow the key again.
    /// </summary>
    public async Task<EscrowStatus?> CheckAsync(ReadOnlyMemory<byte> backupKey, CancellationToken cancellationToken = default)
    {
        var proof = await ProveAsync(backupKey, PossessionMessage.Check, [], cancellationToken).ConfigureAwait(false);
        try
        {
            var status = await PostAsync("v1/record/check", Body(new RecordProofJson(proof), VaultWireJson.Default.RecordProofJson), VaultWireJson.Default.RecordStatusJson, cancellationToken).ConfigureAwait(false);
            return new EscrowStatus(Decode(status.RecordId, 16), status.FailedAttempts);
        }
        catch (VaultKeyDestroyedException)
        {
            return null;
        }
    }

    private async Task RegisterAsync(ReadOnlyMemory<byte> backupKey, string password, bool replace, CancellationToken cancellationToken, ReadOnlyMemory<byte>? proveWith = null)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (backupKey.Length != VaultKeyCrypto.BackupKeyLength)
        {
            throw new ArgumentException("The backup key must be 32 bytes.", nameof(backupKey));
        }

        byte[] passwordBytes = Encoding.UTF8.GetBytes(password);
        using var registration = ClientRegistration.Start(passwordBytes, out var request);
        CryptographicOperations.ZeroMemory(passwordBytes);
        var start = await PostAsync(
            "v1/registration/start",
            Body(new RegistrationStartJson(Convert.ToBase64String(request.ToArray())), VaultWireJson.Default.RegistrationStartJson),
            VaultWireJson.Default.RegistrationStartReplyJson,
            cancellationToken).ConfigureAwait(false);
        byte[] recordId = Decode(start.RecordId, 16);
        var response = Parse(start.Response, RegistrationResponse.Length, RegistrationResponse.Parse);

        var ksf = new KsfJson(_options.KsfMemoryKiB, _options.KsfIterations, 1);
        using var result = registration.Finish(response, KsfFrom(ksf));
        if (!CryptographicOperations.FixedTimeEquals(result.ServerPublicKey, _options.PinnedPublicKey))
        {
            throw new VaultProtocolException("The vault's public key does not match the pinned key; refusing to register.");
        }

        byte[] record = result.Record.ToArray();
        byte[] wrapped = VaultKeyCrypto.WrapBackupKey(result.ExportKey, backupKey.Span);
        byte[] possessionKey = VaultKeyCrypto.PossessionPublicKey(backupKey.Span);
        ProofJson? proof = null;
        if (replace)
        {
            byte[] payload = PossessionMessage.ReplacementPayload(recordId, record, wrapped, possessionKey, ksf.MemoryKiB, ksf.Iterations, ksf.Parallelism);
            proof = await ProveAsync(proveWith ?? backupKey, PossessionMessage.Replace, payload, cancellationToken).ConfigureAwait(false);
        }

        await SendAsync(
            "v1/registration/finish",
            Body(
                new RegistrationFinishJson(
                    start.RecordId, Convert.ToBase64String(record), Convert.ToBase64String(wrapped), Convert.ToBase64String(possessionKey), ksf, proof),
                VaultWireJson.Default.RegistrationFinishJson),
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<ProofJson> ProveAsync(ReadOnlyMemory<byte> backupKey, byte purpose, byte[] payload, CancellationToken cancellationToken)
    {
        var challenge = await PostAsync("v1/challenge", Body(new EmptyJson(), VaultWireJson.Default.EmptyJson), VaultWireJson.Default.ChallengeReplyJson, cancellationToken).ConfigureAwait(false);
        byte[] nonce = Decode(challenge.Nonce, 32);
        byte[] signature = VaultKeyCrypto.Sign(backupKey.Span, PossessionMessage.Build(purpose, nonce, challenge.Account, payload));
        return new ProofJson(challenge.Nonce, Convert.ToBase64String(signature));
    }

    private Argon2idKsf KsfFrom(KsfJson ksf)
    {
        if (ksf.Parallelism != 1 || ksf.Iterations is < 1 or > 64 || ksf.MemoryKiB < 8 || ksf.MemoryKiB > _options.MaxKsfMemoryKiB)
        {
            throw new VaultProtocolException("The vault sent KSF parameters outside the accepted range.");
        }

        return new Argon2idKsf(ksf.MemoryKiB * 1024L, ksf.Iterations);
    }

    private static JsonContent Body<T>(T value, JsonTypeInfo<T> contract) => JsonContent.Create(value, contract);

    private async Task<T> PostAsync<T>(string path, HttpContent body, JsonTypeInfo<T> reply, CancellationToken cancellationToken)
    {
        using var response = await SendCoreAsync(path, body, cancellationToken).ConfigureAwait(false);
        try
        {
            return await response.Content.ReadFromJsonAsync(reply, cancellationToken).ConfigureAwait(false)
                ?? throw new VaultProtocolException($"The vault sent an empty reply to {path}.");
        }
        catch (JsonException e)
        {
            throw new VaultProtocolException($"The vault sent a malformed reply to {path}.", e);
        }
    }

    private async Task SendAsync(string path, HttpContent body, CancellationToken cancellationToken)
    {
        using var response = await SendCoreAsync(path, body, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendCoreAsync(string path, HttpContent body, CancellationToken cancellationToken)
    {
        string token = await _options.AccessToken(cancellationToken).ConfigureAwait(false);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new VaultUnreachableException("The vault cannot be reached; nothing was changed. Try again later.", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new VaultUnreachableException("The vault did not answer in time. Try again later.", e);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await ProblemAsync(response, path, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<VaultException> ProblemAsync(HttpResponseMessage response, string path, CancellationToken cancellationToken)
    {
        if ((int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            return new VaultUnreachableException($"The vault is unavailable ({(int)response.StatusCode}). Try again later.");
        }

        ProblemJson? problem = null;
        try
        {
            problem = await response.Content.ReadFromJsonAsync(VaultWireJson.Default.ProblemJson, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            // Not problem details; reported below by status.
        }

        return problem?.Code switch
        {
            "wrong-password" or "login-expired" => new VaultWrongPasswordException(problem.TriesLeft ?? 0),
            "key-destroyed" or "no-record" => new VaultKeyDestroyedException(),
            _ => new VaultProtocolException($"The vault refused {path}: {(int)response.StatusCode} {problem?.Code ?? "no code"}."),
        };
    }

    private static byte[] Decode(string? value, int length)
    {
        byte[] buffer = new byte[length + 3];
        if (value is null || !Convert.TryFromBase64String(value, buffer, out int written) || written != length)
        {
            throw new VaultProtocolException("The vault sent a field of the wrong size.");
        }

        return buffer[..length];
    }

    private static T Parse<T>(string? value, int length, ParseSpan<T> parse)
    {
        try
        {
            return parse(Decode(value, length));
        }
        catch (OpaqueException e)
        {
            throw new VaultProtocolException("The vault sent an invalid OPAQUE message.", e);
        }
    }

    private delegate T ParseSpan<T>(ReadOnlySpan<byte> bytes);
}

/// <summary>The escrow of this device's backup key still exists.</summary>
/// <param name="RecordId">The current record id.</param>
/// <param name="FailedAttempts">Login attempts since the last success; someone may be guessing.</param>
public sealed record EscrowStatus(byte[] RecordId, int FailedAttempts);
