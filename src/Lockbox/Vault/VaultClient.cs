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
using Lockbox.Vault.Protocol;
using Lockbox.Vault.Protocol.Contracts;

namespace Lockbox.Vault.Client;

/// <summary>
/// Password mode: escrows the 32-byte backup key in a lockbox-vault behind an OPAQUE password, and
/// gets it back on a new device. The vault never sees the password or the unwrapped key, and its
/// public key is pinned from configuration. Failures are <see cref="VaultWrongPasswordException"/>,
/// <see cref="VaultKeyDestroyedException"/>, <see cref="VaultNoEscrowException"/>, <see cref="VaultConfigurationException"/>,
/// <see cref="VaultRateLimitedException"/>, <see cref="VaultUnreachableException"/> or <see cref="VaultProtocolException"/>.
/// </summary>
public sealed class VaultClient
{
    private readonly Uri _vault;
    private readonly HttpClient _http;
    private readonly VaultClientOptions _options;
    private readonly byte[] _context;
    private volatile bool _pinConfirmed;
    // A digest of the token whose account was confirmed, not the token: the client holds no bearer secret longer than a request.
    private volatile string? _accountConfirmedFor;

    /// <summary>
    /// Creates a client over <paramref name="http"/>, whose BaseAddress is the vault: https, or plain
    /// http only to a literal loopback address (127.0.0.0/8, ::1). Give it an HttpClient that follows
    /// no redirects (<see cref="CreateHttpClient"/>); a reply that came from another address is refused.
    /// </summary>
    /// <exception cref="ArgumentException">The pinned key is not 32 bytes, or the address is refused.</exception>
    public VaultClient(HttpClient http, VaultClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        if (options.PinnedPublicKey is not { Length: 32 } pinned || !KeyAgreement.IsValidPublicKey(pinned))
        {
            throw new ArgumentException("The pinned vault public key must be a vault's public key: 32 bytes, a valid ristretto255 element.", nameof(options));
        }

        _vault = VaultAddress.Check(http.BaseAddress);
        _http = http;
        _options = options;
        _context = Encoding.UTF8.GetBytes(options.Context);
    }

    /// <summary>
    /// An HttpClient for the vault at <paramref name="vault"/> that follows no redirects (a redirect
    /// would carry the protocol to another address). The caller disposes it.
    /// </summary>
    /// <exception cref="ArgumentException">The address is not https, nor plain http to a literal loopback address.</exception>
    public static HttpClient CreateHttpClient(Uri vault)
    {
        var address = VaultAddress.Check(vault);
#pragma warning disable CA2000 // the HttpClient owns and disposes the handler
        return new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }, disposeHandler: true) { BaseAddress = address };
#pragma warning restore CA2000
    }

    /// <summary>Turns password mode on: registers <paramref name="password"/> and escrows <paramref name="backupKey"/> wrapped under the export key.</summary>
    /// <exception cref="VaultEscrowExistsException">The account already has an escrow that this key does not control.</exception>
    public Task EnableAsync(ReadOnlyMemory<byte> backupKey, string password, CancellationToken cancellationToken = default) =>
        RegisterAsync(backupKey, password, proveWith: null, cancellationToken);

    /// <summary>
    /// Sets a new password on the original device, without the old one: the device proves it holds the
    /// backup key. Also re-escrows the key over the tombstone the guess limit left, and escrows it
    /// afresh when the vault holds nothing for the account.
    /// </summary>
    /// <exception cref="VaultEscrowExistsException">The account's escrow is controlled by another key.</exception>
    public async Task ChangePasswordAsync(ReadOnlyMemory<byte> backupKey, string password, CancellationToken cancellationToken = default)
    {
        var status = await CheckAsync(backupKey, cancellationToken).ConfigureAwait(false);
        switch (status.State)
        {
            case EscrowState.Held or EscrowState.Destroyed:
                await RegisterAsync(backupKey, password, proveWith: backupKey, cancellationToken).ConfigureAwait(false);
                break;
            case EscrowState.None:
                await RegisterAsync(backupKey, password, proveWith: null, cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new VaultEscrowExistsException();
        }
    }

    /// <summary>
    /// Key rotation: replaces the escrow of <paramref name="oldKey"/> (its record, or its tombstone)
    /// with <paramref name="newKey"/> under <paramref name="password"/>, proving possession of the old
    /// key. Afterwards the vault releases only the new key, and only the new key controls the escrow.
    /// </summary>
    public Task ReplaceKeyAsync(ReadOnlyMemory<byte> oldKey, ReadOnlyMemory<byte> newKey, string password, CancellationToken cancellationToken = default) =>
        RegisterAsync(newKey, password, proveWith: oldKey, cancellationToken);

    /// <summary>
    /// For a user who lost the device that holds the key: asks the vault to forget the account's
    /// escrow, so that a new one can be registered. It takes effect after the vault's cool-down
    /// (7 days by default), unless the device that holds the key runs meanwhile: its next check cancels it.
    /// </summary>
    /// <returns>When the escrow will be forgotten; null when the vault holds none, so one can be registered now.</returns>
    public async Task<DateTimeOffset?> RequestFreshStartAsync(CancellationToken cancellationToken = default)
    {
        var reply = await PostAsync(VaultPaths.FreshStart, Body(new EmptyRequest(), VaultJson.Default.EmptyRequest), VaultJson.Default.FreshStartResponse, cancellationToken)
            .ConfigureAwait(false);
        return reply.EffectiveAt > reply.RequestedAt ? reply.EffectiveAt : null;
    }

    /// <summary>Recovers the backup key on a new device with the password.</summary>
    /// <exception cref="VaultConfigurationException">The vault's key is not the pinned one, or the token is refused or for another account; no try was spent.</exception>
    /// <exception cref="VaultNoEscrowException">The vault holds no escrow for this account; no try was spent.</exception>
    /// <exception cref="VaultRateLimitedException">The vault asks to wait; no try was counted.</exception>
    public async Task<byte[]> RecoverAsync(string password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(password);
        await PreflightAsync(cancellationToken).ConfigureAwait(false);

        // Escrows registered since normalization hold the NFC form, earlier ones the bytes as typed.
        // A password that is the same in both forms fits either; another is sent in NFC first, and in
        // the typed form if the vault says the escrow holds that (it refuses before counting a try).
        string nfc = PasswordForms.ToNfc(password);
        if (string.Equals(nfc, password, StringComparison.Ordinal))
        {
            return await RecoverAsync(password, null, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return await RecoverAsync(nfc, PasswordForm.Nfc, cancellationToken).ConfigureAwait(false);
        }
        catch (VaultPasswordFormException)
        {
            return await RecoverAsync(password, PasswordForm.AsTyped, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One login with <paramref name="prepared"/>, the password already in the form <paramref name="form"/> declares (null: the same in every form).</summary>
    private async Task<byte[]> RecoverAsync(string prepared, PasswordForm? form, CancellationToken cancellationToken)
    {
        byte[] passwordBytes = Encoding.UTF8.GetBytes(prepared);
        using var login = ClientLogin.Start(passwordBytes, out var ke1);
        CryptographicOperations.ZeroMemory(passwordBytes);
        var request = new LoginStartRequest(Convert.ToBase64String(ke1.ToArray()), form is { } f ? PasswordForms.Name(f) : null);
        var start = await PostAsync(VaultPaths.LoginStart, Body(request, VaultJson.Default.LoginStartRequest), VaultJson.Default.LoginStartResponse, cancellationToken)
            .ConfigureAwait(false);
        byte[] loginId = Decode(start.LoginId, VaultLengths.Id);
        var ke2 = Parse(start.Ke2, KE2.Length, KE2.Parse);
        var ksf = KsfFrom(KsfParameters.From(start.Ksf));

        LoginResult result;
        try
        {
            result = login.Finish(ke2, ksf, null, _context);
        }
        catch (OpaqueException e) when (e.Error is OpaqueError.EnvelopeRecoveryFailed or OpaqueError.ServerAuthenticationFailed)
        {
            // A wrong password. Finish the login with a KE3 that cannot verify, so the vault settles the
            // attempt now and says how many are left.
            await PostAsync(
                VaultPaths.LoginFinish,
                Body(new LoginFinishRequest(start.LoginId, Convert.ToBase64String(RandomNumberGenerator.GetBytes(KE3.Length)), start.State), VaultJson.Default.LoginFinishRequest),
                VaultJson.Default.LoginFinishResponse,
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
                VaultPaths.LoginFinish,
                Body(new LoginFinishRequest(start.LoginId, Convert.ToBase64String(result.KE3.ToArray()), start.State), VaultJson.Default.LoginFinishRequest),
                VaultJson.Default.LoginFinishResponse,
                cancellationToken)
                .ConfigureAwait(false);
            byte[]? wrapped = null;
            try
            {
                wrapped = KeyRelease.Open(result.SessionKey, loginId, Decode(finish.SealedKey, VaultLengths.SealedKey));
                return BackupKeyWrap.Unwrap(result.ExportKey, wrapped);
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

    /// <summary>Turns password mode off: deletes the escrow (record or tombstone), proving possession of the backup key.</summary>
    /// <exception cref="VaultNoEscrowException">The vault holds no escrow for this account.</exception>
    /// <exception cref="VaultEscrowExistsException">The escrow is controlled by another key.</exception>
    public async Task DisableAsync(ReadOnlyMemory<byte> backupKey, CancellationToken cancellationToken = default)
    {
        var proof = await ProveAsync(backupKey, PossessionProof.Purpose.Delete, [], cancellationToken).ConfigureAwait(false);
        await SendAsync(VaultPaths.RecordDelete, Body(new RecordProofRequest(proof), VaultJson.Default.RecordProofRequest), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Asks the vault what it holds for this account, proving possession of <paramref name="backupKey"/>:
    /// the escrow (and the failed logins since the last right one), its tombstone after the guess limit,
    /// nothing, or an escrow this key does not control. The proof also cancels a pending fresh start.
    /// </summary>
    public async Task<EscrowStatus> CheckAsync(ReadOnlyMemory<byte> backupKey, CancellationToken cancellationToken = default)
    {
        var proof = await ProveAsync(backupKey, PossessionProof.Purpose.Check, [], cancellationToken).ConfigureAwait(false);
        try
        {
            var status = await PostAsync(VaultPaths.RecordCheck, Body(new RecordProofRequest(proof), VaultJson.Default.RecordProofRequest), VaultJson.Default.RecordStatusResponse, cancellationToken).ConfigureAwait(false);
            return status.State switch
            {
                EscrowStates.Held => new EscrowStatus(EscrowState.Held, Decode(status.RecordId, VaultLengths.Id), status.FailedAttempts, null, status.FreshStartPendingSince)
                {
                    Legacy = status.Legacy,
                },
                EscrowStates.Destroyed => new EscrowStatus(EscrowState.Destroyed, null, 0, status.DestroyedAt, status.FreshStartPendingSince),
                _ => throw new VaultProtocolException("The vault sent an escrow state this client does not know."),
            };
        }
        catch (VaultNoEscrowException)
        {
            return new EscrowStatus(EscrowState.None, null, 0, null, null);
        }
        catch (VaultEscrowExistsException)
        {
            return new EscrowStatus(EscrowState.OtherKey, null, 0, null, null);
        }
    }

    private async Task RegisterAsync(ReadOnlyMemory<byte> backupKey, string password, ReadOnlyMemory<byte>? proveWith, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (backupKey.Length != VaultLengths.BackupKey)
        {
            throw new ArgumentException("The backup key must be 32 bytes.", nameof(backupKey));
        }

        PasswordPolicy.RequireSettable(password);
        await PreflightAsync(cancellationToken).ConfigureAwait(false);
        byte[] passwordBytes = PasswordForms.Prepare(password, PasswordForm.Nfc);
        using var registration = ClientRegistration.Start(passwordBytes, out var request);
        CryptographicOperations.ZeroMemory(passwordBytes);
        using var ephemeral = EphemeralKeyPair.Generate();
        using var channel = RegistrationChannel.ForClient(ephemeral, _options.PinnedPublicKey, _context);
        var ksf = new KsfParameters(_options.KsfMemoryKiB, _options.KsfIterations, 1);
        byte[] blinded = request.ToArray();
        var start = await PostAsync(
            VaultPaths.RegistrationStart,
            Body(new RegistrationStartRequest(Convert.ToBase64String(blinded), Convert.ToBase64String(ephemeral.PublicKey), ksf.ToContract()), VaultJson.Default.RegistrationStartRequest),
            VaultJson.Default.RegistrationStartResponse,
            cancellationToken).ConfigureAwait(false);
        byte[] recordId = Decode(start.RecordId, VaultLengths.Id);
        byte[] responseBytes = Decode(start.Response, RegistrationResponse.Length);
        var response = Parse(start.Response, RegistrationResponse.Length, RegistrationResponse.Parse);

        // The channel's key is known only to this client and the holder of the pinned key: a proxy that
        // swapped in its own OPRF evaluation (and would then guess the password offline from the record
        // uploaded next) cannot make this MAC. Nothing derived from the password has left the device yet.
        if (start.Account is null
            || !RegistrationChannel.Matches(channel.StartMac(start.Account, recordId, blinded, responseBytes.AsSpan(0, 32), _options.PinnedPublicKey, ksf), Decode(start.Mac, VaultLengths.Mac)))
        {
            throw new VaultProtocolException(NotAuthenticated + " Nothing was uploaded.");
        }

        // The envelope binds the server key the response carries, which the MAC does not cover: it must be the pinned one.
        if (!CryptographicOperations.FixedTimeEquals(responseBytes.AsSpan(32), _options.PinnedPublicKey))
        {
            throw new VaultProtocolException(NotAuthenticated + " Nothing was uploaded.");
        }

        using var result = registration.Finish(response, KsfFrom(ksf));
        byte[] record = result.Record.ToArray();
        byte[] wrapped = BackupKeyWrap.Wrap(result.ExportKey, backupKey.Span);
        byte[] possessionKey = PossessionKey.PublicKeyOf(backupKey.Span);
        byte[] digest = RegistrationChannel.EscrowDigest(record, wrapped, possessionKey, ksf, PasswordForm.Nfc);
        ProofContract? proof = null;
        if (proveWith is { } prover)
        {
            byte[] payload = PossessionProof.ReplacementPayload(recordId, record, wrapped, possessionKey, ksf);
            proof = await ProveAsync(prover, PossessionProof.Purpose.Replace, payload, cancellationToken).ConfigureAwait(false);
        }

        var finish = new RegistrationFinishRequest(
            start.RecordId, Convert.ToBase64String(record), Convert.ToBase64String(wrapped), Convert.ToBase64String(possessionKey), ksf.ToContract(), proof,
            Convert.ToBase64String(proof is null
                ? channel.FinishMac(start.Account, recordId, digest)
                : channel.FinishMac(start.Account, recordId, digest, Convert.FromBase64String(proof.Nonce!), Convert.FromBase64String(proof.Signature!))),
            PasswordForms.Nfc);
        var stored = await FinishRegistrationAsync(finish, cancellationToken).ConfigureAwait(false);
        if (!RegistrationChannel.Matches(channel.StoredMac(start.Account, recordId, digest), Decode(stored.Mac, VaultLengths.Mac)))
        {
            throw new VaultProtocolException(NotAuthenticated + " The vault may not hold what this device sent; nothing was deleted.");
        }
    }

    /// <summary>Sends registration/finish, and again, byte for byte, if the reply was lost: the vault answers a retry of a stored finish as it did the first time.</summary>
    private async Task<RegistrationFinishResponse> FinishRegistrationAsync(RegistrationFinishRequest finish, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await PostAsync(VaultPaths.RegistrationFinish, Body(finish, VaultJson.Default.RegistrationFinishRequest), VaultJson.Default.RegistrationFinishResponse, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (VaultUnreachableException) when (attempt < 3)
            {
                // The finish may have been stored; the same body is answered the same way.
            }
        }
    }

    /// <summary>
    /// Before anything that spends a try or registers: the vault's key must be the pinned one (a
    /// mistyped pin is a configuration error, not a wrong password), and when the app names the
    /// account it expects, the token must be for that account. A check that passed is not repeated
    /// by this client: the vault's key does not change, and the same token names the same account.
    /// </summary>
    private async Task PreflightAsync(CancellationToken cancellationToken)
    {
        if (!_pinConfirmed)
        {
            VaultInfoResponse info;
            using (var response = await ExchangeAsync(new HttpRequestMessage(HttpMethod.Get, VaultPaths.Info), VaultPaths.Info, cancellationToken).ConfigureAwait(false))
            {
                info = await ReadAsync(response, VaultPaths.Info, VaultJson.Default.VaultInfoResponse, cancellationToken).ConfigureAwait(false);
            }

            byte[] presented = new byte[35];
            if (info.PublicKey is null || !Convert.TryFromBase64String(info.PublicKey, presented, out int length) || length != 32
                || !CryptographicOperations.FixedTimeEquals(presented.AsSpan(0, 32), _options.PinnedPublicKey))
            {
                throw new VaultConfigurationException(
                    "The vault's public key is not the pinned one: the pinned key is mistyped, or this address is not the app's vault. Nothing was sent; check the pinned key (--vault-public-key, LOCKBOX_VAULT_PUBLIC_KEY) against the vault operator's.");
            }

            _pinConfirmed = true;
        }

        if (_options.Account is { } expected)
        {
            string token = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
                System.Text.Encoding.UTF8.GetBytes(await _options.AccessToken(cancellationToken).ConfigureAwait(false))));
            if (token == _accountConfirmedFor)
            {
                return;
            }

            var challenge = await PostAsync(VaultPaths.Challenge, Body(new EmptyRequest(), VaultJson.Default.EmptyRequest), VaultJson.Default.ChallengeResponse, cancellationToken)
                .ConfigureAwait(false);
            if (challenge.Account != expected)
            {
                throw new VaultConfigurationException(
                    "The account token is for another account than this app's; nothing was sent that costs a try. Sign in to the app again, or check the token (--vault-token-file, LOCKBOX_VAULT_TOKEN).");
            }

            _accountConfirmedFor = token;
        }
    }

    private const string NotAuthenticated =
        "The vault's answer to the registration is not authenticated by the pinned vault key: something between this device and the vault changed it, or this is not the vault the app pins.";

    private async Task<ProofContract> ProveAsync(ReadOnlyMemory<byte> backupKey, PossessionProof.Purpose purpose, byte[] payload, CancellationToken cancellationToken)
    {
        var challenge = await PostAsync(VaultPaths.Challenge, Body(new EmptyRequest(), VaultJson.Default.EmptyRequest), VaultJson.Default.ChallengeResponse, cancellationToken).ConfigureAwait(false);
        byte[] nonce = Decode(challenge.Nonce, VaultLengths.Nonce);
        string account = challenge.Account ?? throw new VaultProtocolException("The vault's challenge names no account.");
        using var key = PossessionKey.FromBackupKey(backupKey.Span);
        byte[] signature = key.Sign(PossessionProof.Message(purpose, nonce, account, payload));
        return new ProofContract(challenge.Nonce, Convert.ToBase64String(signature));
    }

    private Argon2idKsf KsfFrom(KsfParameters? ksf)
    {
        if (ksf is not { IsAllowed: true } || ksf.MemoryKiB > _options.MaxKsfMemoryKiB)
        {
            throw new VaultProtocolException("The vault sent KSF parameters outside the accepted range.");
        }

        return new Argon2idKsf(ksf.MemoryKiB * 1024L, ksf.Iterations);
    }

    private static JsonContent Body<T>(T value, JsonTypeInfo<T> contract) => JsonContent.Create(value, contract);

    private async Task<T> PostAsync<T>(string path, HttpContent body, JsonTypeInfo<T> reply, CancellationToken cancellationToken)
    {
        using var response = await SendCoreAsync(path, body, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(response, path, reply, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, string path, JsonTypeInfo<T> reply, CancellationToken cancellationToken)
    {
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
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await ExchangeAsync(request, path, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends <paramref name="request"/> (and disposes it); a reply that is not a success becomes the failure it names.</summary>
    private async Task<HttpResponseMessage> ExchangeAsync(HttpRequestMessage request, string path, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        using (request)
        {
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
                throw new VaultUnreachableException("The vault did not answer in time; nothing was changed. Try again later.", e);
            }
        }

        // A reply from another address than the vault's (a redirect followed by the app's handler) is
        // not the vault's; a redirect not followed is refused too.
        if (response.RequestMessage?.RequestUri is { } answered && !VaultAddress.SameOrigin(answered, _vault))
        {
            response.Dispose();
            throw new VaultProtocolException("The vault's address redirected to another address; refusing to follow it.");
        }

        if ((int)response.StatusCode is >= 300 and < 400)
        {
            response.Dispose();
            throw new VaultProtocolException($"The vault answered with a redirect ({(int)response.StatusCode}); refusing to follow it.");
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
        if ((int)response.StatusCode >= 500)
        {
            return new VaultUnreachableException($"The vault is unavailable ({(int)response.StatusCode}); nothing was changed. Try again later.");
        }

        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            return new VaultConfigurationException(
                "The vault refused your account token: it is missing, expired or not issued for this vault. No try was spent; sign in to the app again for a fresh token (--vault-token-file, LOCKBOX_VAULT_TOKEN).");
        }

        ProblemResponse? problem = null;
        try
        {
            problem = await response.Content.ReadFromJsonAsync(VaultJson.Default.ProblemResponse, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            // Not problem details; reported below by status.
        }

        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            var wait = response.Headers.RetryAfter?.Delta ?? (problem?.RetryAfter is int seconds ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromMinutes(1));
            return new VaultRateLimitedException(wait);
        }

        return problem?.Code switch
        {
            VaultErrorCodes.WrongPassword or VaultErrorCodes.LoginExpired => new VaultWrongPasswordException(problem.TriesLeft ?? 0),
            VaultErrorCodes.KeyDestroyed => new VaultKeyDestroyedException(),
            VaultErrorCodes.NoRecord => new VaultNoEscrowException(),
            VaultErrorCodes.PasswordFormMismatch => new VaultPasswordFormException(),
            VaultErrorCodes.PossessionKeyMismatch => new VaultEscrowExistsException(),
            VaultErrorCodes.RecordExists when path == VaultPaths.RegistrationFinish => new VaultEscrowExistsException(),
            _ => new VaultProtocolException(
                $"The vault refused {path}: {(int)response.StatusCode} {Printable(problem?.Code) ?? "no code"}." + (Printable(problem?.Detail) is { } detail ? " " + detail : "")),
        };
    }

    /// <summary>The escrow holds the password in the other form; no try was counted. Handled inside <see cref="RecoverAsync(string, CancellationToken)"/>.</summary>
    private sealed class VaultPasswordFormException() : VaultException("The escrow holds the password in another form.");

    /// <summary>Text from the vault (unauthenticated) as it may reach a terminal: printable ASCII, at most 300 characters; null when none is left.</summary>
    private static string? Printable(string? text)
    {
        if (text is null)
        {
            return null;
        }

        string kept = new([.. text.Where(c => c is >= ' ' and <= '~').Take(300)]);
        return kept.Length == 0 ? null : kept;
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

/// <summary>What the vault holds for this account, as the device holding the key sees it.</summary>
/// <param name="State">Held, destroyed, none, or another key's.</param>
/// <param name="RecordId">The current record id, when <see cref="EscrowState.Held"/>.</param>
/// <param name="FailedAttempts">Login attempts since the last success, when held; someone may be guessing.</param>
/// <param name="DestroyedAt">When the guess limit destroyed the record, when <see cref="EscrowState.Destroyed"/>.</param>
/// <param name="FreshStartCancelled">
/// When someone holding the account's token had asked for a fresh start, which this check cancelled
/// (the device that holds the key still runs); null when none was pending.
/// </param>
public sealed record EscrowStatus(EscrowState State, byte[]? RecordId, int FailedAttempts, DateTimeOffset? DestroyedAt, DateTimeOffset? FreshStartCancelled)
{
    /// <summary>
    /// The escrow was stored before the vault issued record ids, under an id its client chose: whoever
    /// stole the vault's database before the upgrade could have put it there. Renew it with
    /// <c>ChangePasswordAsync</c> (no old password needed).
    /// </summary>
    public bool Legacy { get; init; }
}

/// <summary>What the vault holds for an account, told apart by a proof of possession.</summary>
public enum EscrowState
{
    /// <summary>The escrow of this key: a password opens it.</summary>
    Held,

    /// <summary>The guess limit destroyed the escrow; its tombstone lets this device escrow the key again (password change).</summary>
    Destroyed,

    /// <summary>The vault holds nothing for this account.</summary>
    None,

    /// <summary>The account's escrow is controlled by another key: another device made it, or rotated the key.</summary>
    OtherKey,
}
