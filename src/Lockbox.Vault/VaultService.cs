using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Lockbox.Opaque;
using Lockbox.Opaque.Messages;
using Lockbox.Vault.Crypto;
using Lockbox.Vault.Http;
using Lockbox.Vault.Secrets;
using Lockbox.Vault.Storage;
using Microsoft.Extensions.Options;

namespace Lockbox.Vault;

/// <summary>
/// The vault's protocol logic, one method per endpoint. Every request is fully parsed before any state
/// changes; the account id always comes from the verified token, never from a body.
/// </summary>
public sealed partial class VaultService(
    IVaultStore store,
    VaultKeys keys,
    IOptions<VaultOptions> options,
    TimeProvider time,
    IAttemptHook hook,
    VaultMetrics metrics,
    ILogger<VaultService> logger)
{
    /// <summary>Length of a record id and of a login id.</summary>
    public const int IdLength = 16;

    /// <summary>Length of the client's wrapped backup key: iv (12) || AES-256-GCM(32-byte key) || tag (16).</summary>
    public const int WrappedKeyLength = 60;

    private readonly VaultOptions _options = options.Value;
    private readonly OpaqueServer _server = new(keys.Setup, Encoding.UTF8.GetBytes(options.Value.Context));
    private readonly LoginStateSealer _sealer = new(keys);

    /// <summary>GET /v1/vault-info.</summary>
    public VaultInfoResponse Info() => new(
        Convert.ToBase64String(keys.Setup.PublicKey), _options.Context, _options.AttemptLimit, ToDto(KsfParameters.Default));

    /// <summary>POST /v1/registration/start: evaluates the OPRF under a fresh record id, so registering is never a password oracle.</summary>
    public RegistrationStartResponse StartRegistration(string account, RegistrationStartRequest request)
    {
        var message = Wire.Message(request.Request, RegistrationRequest.Length, "request", b => RegistrationRequest.Parse(b));
        byte[] recordId = RandomNumberGenerator.GetBytes(IdLength);
        var response = _server.CreateRegistrationResponse(message, CredentialIdentifier(account, recordId));
        return new RegistrationStartResponse(Convert.ToBase64String(recordId), Convert.ToBase64String(response.ToArray()));
    }

    /// <summary>POST /v1/registration/finish: stores a first record, or replaces one with a proof of possession.</summary>
    public async Task FinishRegistrationAsync(string account, RegistrationFinishRequest request, CancellationToken cancellationToken)
    {
        byte[] recordId = Wire.Bytes(request.RecordId, IdLength, "recordId");
        if (recordId.AsSpan().SequenceEqual(VaultSchema.PhantomRecordId))
        {
            throw VaultProblemException.BadRequest("invalid-message", "'recordId' must come from /v1/registration/start.");
        }

        var record = Wire.Message(request.Record, RegistrationRecord.Length, "record", b => RegistrationRecord.Parse(b));
        byte[] wrappedKey = Wire.Bytes(request.WrappedKey, WrappedKeyLength, "wrappedKey");
        byte[] possessionKey = Wire.Bytes(request.PossessionKey, Ed25519.PublicKeyLength, "possessionKey");
        var ksf = ParseKsf(request.Ksf);
        (byte[] Nonce, byte[] Signature)? proof = request.Proof is null ? null : ParseProof(request.Proof);
        var escrow = new EscrowRecord(recordId, record.ToArray(), wrappedKey, possessionKey, ksf, 0);

        byte[]? replacing = null;
        if (proof is not null)
        {
            var current = await VerifyProofAsync(
                account, proof.Value, PossessionProof.Purpose.Replace,
                PossessionProof.ReplacementPayload(recordId, escrow.Record, wrappedKey, possessionKey, ksf.MemoryKiB, ksf.Iterations, ksf.Parallelism),
                cancellationToken).ConfigureAwait(false);
            replacing = current.RecordId;
        }

        if (!await store.PutRecordAsync(account, escrow, replacing, cancellationToken).ConfigureAwait(false))
        {
            throw proof is null
                ? new VaultProblemException(StatusCodes.Status409Conflict, "record-exists", "This account already has a record; replacing it needs a proof of possession.")
                : new VaultProblemException(StatusCodes.Status409Conflict, "record-changed", "The record changed while it was being replaced; try again.");
        }

        metrics.Registrations.Add(1);
        LogRegistered(logger, account, replacing is not null);
    }

    /// <summary>POST /v1/challenge: a fresh single-use nonce for a proof of possession.</summary>
    public async Task<ChallengeResponse> ChallengeAsync(string account, CancellationToken cancellationToken)
    {
        byte[] nonce = RandomNumberGenerator.GetBytes(PossessionProof.NonceLength);
        long expires = NowMs() + (_options.NonceTimeoutSeconds * 1000L);
        await store.SaveNonceAsync(account, nonce, expires, cancellationToken).ConfigureAwait(false);
        return new ChallengeResponse(Convert.ToBase64String(nonce), account);
    }

    /// <summary>
    /// POST /v1/login/start. The attempt is counted, durably and together with the pending login,
    /// before anything else; then KE2 is computed (over a fake record for an account without one) and
    /// the server's login state sealed for the client to hand back with KE3.
    /// </summary>
    public async Task<LoginStartResponse> StartLoginAsync(string account, LoginStartRequest request, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        var ke1 = Wire.Message(request.Ke1, KE1.Length, "ke1", b => KE1.Parse(b));
        int limit = _options.AttemptLimit;

        byte[] loginId = RandomNumberGenerator.GetBytes(IdLength);
        long expires = NowMs() + (_options.LoginTimeoutSeconds * 1000L);
        var grant = await store.CountAttemptAsync(account, limit, loginId, expires, cancellationToken).ConfigureAwait(false);
        if (grant is null)
        {
            // The counter is at the limit: the final attempt is either still in flight, or was abandoned
            // (it expired without a KE3), and then it has failed.
            if (!await LockOutAsync(account, null, NowMs(), cancellationToken).ConfigureAwait(false))
            {
                throw new VaultProblemException(StatusCodes.Status409Conflict, "final-attempt-pending", "The last allowed attempt is in progress; try again when it has finished or expired.");
            }

            throw KeyDestroyed();
        }

        hook.AttemptCounted(account, grant.Attempt);

        var record = grant.Record is null ? null : RegistrationRecord.Parse(grant.Record);
        byte[] sealedState;
        KE2 ke2;
        using (var serverLogin = _server.StartLogin(record, ke1, CredentialIdentifier(account, grant.RecordId), null, out ke2))
        {
            sealedState = _sealer.Seal(serverLogin, loginId, account, new LoginTerms(grant.RecordId, grant.Attempt, expires));
        }

        metrics.LoginLatency.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("stage", "start"));
        return new LoginStartResponse(
            Convert.ToBase64String(loginId), Convert.ToBase64String(ke2.ToArray()), ToDto(grant.Ksf), Convert.ToBase64String(sealedState));
    }

    /// <summary>
    /// POST /v1/login/finish. A verified KE3 removes the pending login, resets the counter and
    /// releases the wrapped key under the session key, in one commit, so a login releases the key
    /// once at most. A failed one removes the pending login too, and on the last allowed attempt
    /// deletes the record.
    /// </summary>
    public async Task<LoginFinishResponse> FinishLoginAsync(string account, LoginFinishRequest request, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        byte[] loginId = Wire.Bytes(request.LoginId, IdLength, "loginId");
        var ke3 = Wire.Message(request.Ke3, KE3.Length, "ke3", b => KE3.Parse(b));
        byte[] state = Wire.Bytes(request.State, LoginStateSealer.SealedLength, "state");
        int limit = _options.AttemptLimit;

        // A state this vault did not seal for this login and account is as good as no login at all.
        var opened = _sealer.Open(state, loginId, account) ?? throw LoginUnknown();
        var terms = opened.Terms;
        // Read once: a KE3 is judged against the deadline as it arrived, whatever the database takes after.
        bool expired = terms.ExpiresAtMs <= NowMs();
        byte[]? sessionKey = null;
        using (var serverLogin = opened.Login)
        {
            if (!expired)
            {
                try
                {
                    sessionKey = serverLogin.Finish(ke3);
                }
                catch (OpaqueException e) when (e.Error == OpaqueError.ClientAuthenticationFailed)
                {
                    sessionKey = null;
                }
            }
        }

        if (sessionKey is null)
        {
            if (!await store.TakeLoginAsync(loginId, account, cancellationToken).ConfigureAwait(false))
            {
                throw LoginUnknown();
            }

            metrics.LoginsFailed.Add(1);
            if (terms.Attempt >= limit)
            {
                await LockOutAsync(account, terms.RecordId, long.MaxValue, cancellationToken).ConfigureAwait(false);
                throw KeyDestroyed();
            }

            throw new VaultProblemException(
                StatusCodes.Status403Forbidden,
                expired ? "login-expired" : "wrong-password",
                expired ? "The login expired before KE3 arrived; it counted as a failed attempt." : "The password is wrong.",
                limit - terms.Attempt);
        }

        try
        {
            var completion = await store.CompleteLoginAsync(loginId, account, terms.RecordId, cancellationToken).ConfigureAwait(false);
            if (!completion.WasPending)
            {
                throw LoginUnknown();
            }

            byte[] wrappedKey = completion.WrappedKey
                ?? throw new VaultProblemException(StatusCodes.Status409Conflict, "record-changed", "The record was replaced or deleted during this login.");
            metrics.LoginsSucceeded.Add(1);
            metrics.LoginLatency.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("stage", "finish"));
            return new LoginFinishResponse(Convert.ToBase64String(KeyRelease.Seal(sessionKey, loginId, wrappedKey)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sessionKey);
        }
    }

    /// <summary>POST /v1/record/delete: turns password mode off, with a proof of possession.</summary>
    public async Task DeleteRecordAsync(string account, RecordProofRequest request, CancellationToken cancellationToken)
    {
        var proof = ParseProof(request.Proof);
        var current = await VerifyProofAsync(account, proof, PossessionProof.Purpose.Delete, null, cancellationToken).ConfigureAwait(false);
        if (!await store.DeleteRecordAsync(account, current.RecordId, cancellationToken).ConfigureAwait(false))
        {
            throw NoRecord();
        }

        LogDeleted(logger, account);
    }

    /// <summary>POST /v1/record/check: lets the original device see that its escrow still exists.</summary>
    public async Task<RecordStatusResponse> CheckRecordAsync(string account, RecordProofRequest request, CancellationToken cancellationToken)
    {
        var proof = ParseProof(request.Proof);
        var current = await VerifyProofAsync(account, proof, PossessionProof.Purpose.Check, null, cancellationToken).ConfigureAwait(false);
        return new RecordStatusResponse(Convert.ToBase64String(current.RecordId), current.Attempts);
    }

    /// <summary>Deletes the expired, and the records whose final attempt was abandoned.</summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        int lockedOut = await store.SweepAsync(NowMs(), _options.AttemptLimit, cancellationToken).ConfigureAwait(false);
        if (lockedOut > 0)
        {
            metrics.Lockouts.Add(lockedOut);
            LogSweptLockouts(logger, lockedOut);
        }
    }

    /// <summary>account || record id, length-prefixed: a fresh OPRF key for every registration (RFC 9807 §5.2.2, credential_identifier).</summary>
    internal static byte[] CredentialIdentifier(string account, ReadOnlySpan<byte> recordId)
    {
        byte[] accountBytes = Encoding.UTF8.GetBytes(account);
        byte[] id = new byte[2 + accountBytes.Length + recordId.Length];
        BinaryPrimitives.WriteUInt16BigEndian(id, checked((ushort)accountBytes.Length));
        accountBytes.CopyTo(id, 2);
        recordId.CopyTo(id.AsSpan(2 + accountBytes.Length));
        return id;
    }

    private async Task<EscrowRecord> VerifyProofAsync(
        string account, (byte[] Nonce, byte[] Signature) proof, PossessionProof.Purpose purpose, byte[]? payload, CancellationToken cancellationToken)
    {
        // The nonce is consumed first, so a signature is good for one attempt whatever the outcome.
        if (!await store.TakeNonceAsync(account, proof.Nonce, NowMs(), cancellationToken).ConfigureAwait(false))
        {
            throw new VaultProblemException(StatusCodes.Status403Forbidden, "nonce-invalid", "The nonce is unknown, used or expired; get a new one from /v1/challenge.");
        }

        var current = await store.GetRecordAsync(account, cancellationToken).ConfigureAwait(false);
        byte[] message = PossessionProof.Message(purpose, proof.Nonce, account, payload ?? []);

        // "No record" and "not your key" look the same, so the check does not reveal that a record exists.
        if (current is null || !Ed25519.Verify(proof.Signature, message, current.PossessionKey))
        {
            throw NoRecord();
        }

        return current;
    }

    private async Task<bool> LockOutAsync(string account, byte[]? recordId, long settledBeforeMs, CancellationToken cancellationToken)
    {
        if (!await store.DeleteIfExhaustedAsync(account, recordId, _options.AttemptLimit, settledBeforeMs, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        metrics.Lockouts.Add(1);
        LogLockedOut(logger, account);
        return true;
    }

    private static (byte[] Nonce, byte[] Signature) ParseProof(ProofDto? proof)
    {
        if (proof is null)
        {
            throw VaultProblemException.BadRequest("missing-field", "'proof' is required.");
        }

        return (Wire.Bytes(proof.Nonce, PossessionProof.NonceLength, "proof.nonce"), Wire.Bytes(proof.Signature, Ed25519.SignatureLength, "proof.signature"));
    }

    private static KsfParameters ParseKsf(KsfDto? ksf)
    {
        if (ksf is null)
        {
            throw VaultProblemException.BadRequest("missing-field", "'ksf' is required.");
        }

        // libsodium's Argon2id: parallelism is always 1; memory between 8 KiB and 4 GiB.
        if (ksf.Parallelism != 1 || ksf.Iterations is < 1 or > 64 || ksf.MemoryKiB is < 8 or > 4 * 1024 * 1024)
        {
            throw VaultProblemException.BadRequest("bad-ksf", "KSF parameters must have parallelism 1, 1-64 iterations and 8 KiB-4 GiB of memory.");
        }

        return new KsfParameters(ksf.MemoryKiB, ksf.Iterations, ksf.Parallelism);
    }

    private static KsfDto ToDto(KsfParameters ksf) => new(ksf.MemoryKiB, ksf.Iterations, ksf.Parallelism);

    private static VaultProblemException KeyDestroyed() =>
        new(StatusCodes.Status410Gone, "key-destroyed", "Too many wrong passwords: the escrowed key has been destroyed for good.", 0);

    private static VaultProblemException LoginUnknown() =>
        new(StatusCodes.Status409Conflict, "login-unknown", "No such login is pending: it was finished already, expired, or never started.");

    private static VaultProblemException NoRecord() =>
        new(StatusCodes.Status404NotFound, "no-record", "No record that this key controls exists.");

    private long NowMs() => time.GetUtcNow().ToUnixTimeMilliseconds();

    [LoggerMessage(Level = LogLevel.Information, Message = "Record stored for account {Account} (replaced: {Replaced})")]
    private static partial void LogRegistered(ILogger logger, string account, bool replaced);

    [LoggerMessage(Level = LogLevel.Information, Message = "Record deleted by its owner for account {Account}")]
    private static partial void LogDeleted(ILogger logger, string account);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Guess limit reached: record destroyed for account {Account}")]
    private static partial void LogLockedOut(ILogger logger, string account);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Guess limit reached on {Count} abandoned logins: records destroyed")]
    private static partial void LogSweptLockouts(ILogger logger, int count);
}
