using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Lockbox.Opaque;
using Lockbox.Opaque.Messages;
using Lockbox.Vault.Protocol;
using Lockbox.Vault.Protocol.Contracts;
using Lockbox.Vault.Server.Crypto;
using Lockbox.Vault.Server.Http;
using Lockbox.Vault.Server.Secrets;
using Lockbox.Vault.Server.Storage;
using Microsoft.Extensions.Options;

namespace Lockbox.Vault.Server;

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
    private readonly VaultOptions _options = options.Value;
    private readonly byte[] _context = Encoding.UTF8.GetBytes(options.Value.Context);
    private readonly OpaqueServer _server = new(keys.Setup, Encoding.UTF8.GetBytes(options.Value.Context));
    private readonly LoginStateSealer _sealer = new(keys);
    private readonly LoginDelays _delays = LoginDelays.Parse(options.Value.LoginDelaySeconds);

    /// <summary>GET /v1/vault-info.</summary>
    public VaultInfoResponse Info() => new(
        Convert.ToBase64String(keys.Setup.PublicKey), _options.Context, _options.AttemptLimit, KsfParameters.Default.ToContract());

    /// <summary>
    /// POST /v1/registration/start: issues a fresh record id (from the CSPRNG, recorded as pending for
    /// this account), evaluates the OPRF under it, so registering is never a password oracle, and
    /// authenticates the evaluation on the registration channel, so no proxy can swap in its own.
    /// </summary>
    public async Task<RegistrationStartResponse> StartRegistrationAsync(string account, RegistrationStartRequest request, CancellationToken cancellationToken)
    {
        var message = Wire.Message(request.Request, RegistrationRequest.Length, "request", b => RegistrationRequest.Parse(b));
        byte[] clientKey = Wire.Bytes(request.ClientKey, VaultLengths.ClientKey, "clientKey");
        var ksf = ParseKsf(request.Ksf);
        using var channel = OpenChannel(clientKey);

        byte[] recordId = RandomNumberGenerator.GetBytes(VaultLengths.Id);
        byte[] response = _server.CreateRegistrationResponse(message, CredentialIdentifier.For(account, recordId)).ToArray();
        byte[] mac = channel.StartMac(
            account, recordId, message.ToArray(), response.AsSpan(0, RegistrationResponse.Length - 32), keys.Setup.PublicKey, ksf);
        long expires = NowMs() + (_options.RegistrationTimeoutSeconds * 1000L);
        await store.IssueRegistrationAsync(account, recordId, clientKey, ksf, expires, cancellationToken).ConfigureAwait(false);
        return new RegistrationStartResponse(Convert.ToBase64String(recordId), Convert.ToBase64String(response), account, Convert.ToBase64String(mac));
    }

    /// <summary>
    /// POST /v1/registration/finish: stores a first record, or replaces a record or tombstone with a
    /// proof of possession, under a record id this vault issued to this account and never used. The
    /// client's MAC on the registration channel shows it is the client that started this
    /// registration; the reply's MAC shows the client what was stored. A retry of a finish already
    /// stored gets the same reply, so a client that lost the reply can resume.
    /// </summary>
    public async Task<RegistrationFinishResponse> FinishRegistrationAsync(string account, RegistrationFinishRequest request, CancellationToken cancellationToken)
    {
        byte[] recordId = Wire.Bytes(request.RecordId, VaultLengths.Id, "recordId");
        var record = Wire.Message(request.Record, RegistrationRecord.Length, "record", b => RegistrationRecord.Parse(b));
        byte[] wrappedKey = Wire.Bytes(request.WrappedKey, VaultLengths.WrappedKey, "wrappedKey");
        byte[] possessionKey = Wire.Bytes(request.PossessionKey, VaultLengths.PossessionKey, "possessionKey");
        var ksf = ParseKsf(request.Ksf);
        (byte[] Nonce, byte[] Signature)? proof = request.Proof is null ? null : ParseProof(request.Proof);
        byte[] clientMac = Wire.Bytes(request.Mac, VaultLengths.Mac, "mac");
        var form = request.PasswordForm is null
            ? PasswordForm.AsTyped
            : PasswordForms.Parse(request.PasswordForm)
                ?? throw VaultProblemException.BadRequest(VaultErrorCodes.InvalidMessage, $"'passwordForm' must be '{PasswordForms.Nfc}' or '{PasswordForms.AsTyped}'.");
        var escrow = new EscrowRecord(recordId, record.ToArray(), wrappedKey, possessionKey, ksf, 0, Form: form);

        // Everything about the id is checked before anything is consumed, so a refused finish changes nothing.
        var issued = await store.GetRegistrationAsync(recordId, cancellationToken).ConfigureAwait(false);
        if (issued is not { ClientKey: not null } || issued.Account != account)
        {
            throw NotIssued("was not issued to this account by /v1/registration/start");
        }

        byte[] digest = RegistrationChannel.EscrowDigest(escrow.Record, wrappedKey, possessionKey, ksf, form);
        using var channel = OpenChannel(issued.ClientKey);
        byte[] expectedMac = proof is { } p
            ? channel.FinishMac(account, recordId, digest, p.Nonce, p.Signature)
            : channel.FinishMac(account, recordId, digest);
        if (!RegistrationChannel.Matches(expectedMac, clientMac))
        {
            throw VaultProblemException.BadRequest(VaultErrorCodes.InvalidMessage, "'mac' does not verify: the registration was changed on the way, or was started by another client.");
        }

        var reply = new RegistrationFinishResponse(Convert.ToBase64String(channel.StoredMac(account, recordId, digest)));
        if (issued.ConsumedAtMs is not null)
        {
            return await IsStoredAsync(account, escrow, cancellationToken).ConfigureAwait(false) ? reply : throw NotIssued("was used already");
        }

        if (issued.ExpiresAtMs <= NowMs())
        {
            throw NotIssued("has expired; start the registration again");
        }

        if (issued.Ksf != ksf)
        {
            throw VaultProblemException.BadRequest(VaultErrorCodes.BadKsf, "'ksf' differs from the one given to /v1/registration/start.");
        }

        await store.ApplyFreshStartAsync(account, FreshStartCutoffMs(), cancellationToken).ConfigureAwait(false);

        // The proof is checked inside the commit that consumes the record id, so an identical finish
        // sent twice at once waits for the first and then gets its answer.
        ProofCheck? check = null;
        if (proof is { } given)
        {
            byte[] message = PossessionProof.Message(
                PossessionProof.Purpose.Replace, given.Nonce, account, PossessionProof.ReplacementPayload(recordId, escrow.Record, wrappedKey, possessionKey, ksf));
            check = new ProofCheck(given.Nonce, current => PossessionKey.Verify(given.Signature, message, current.PossessionKey));
        }

        switch (await store.StoreRecordAsync(account, escrow, check, NowMs(), cancellationToken).ConfigureAwait(false))
        {
            case StoreOutcome.NotPending when await IsStoredAsync(account, escrow, cancellationToken).ConfigureAwait(false):
                return reply; // a retry that overlapped the finish that stored it
            case StoreOutcome.NotPending:
                throw NotIssued("was used or expired meanwhile");
            case StoreOutcome.NonceInvalid:
                throw NonceInvalid();
            case StoreOutcome.NoEscrow:
                throw NoRecord();
            case StoreOutcome.WrongPossessionKey:
                throw PossessionKeyMismatch();
            case StoreOutcome.Conflict when proof is null:
                throw new VaultProblemException(StatusCodes.Status409Conflict, VaultErrorCodes.RecordExists, "This account already has an escrow (or the tombstone of one); replacing it needs a proof of possession.");
            case StoreOutcome.Conflict:
                throw new VaultProblemException(StatusCodes.Status409Conflict, VaultErrorCodes.RecordChanged, "The escrow changed while it was being replaced; try again.");
        }

        metrics.Registrations.Add(1);
        LogRegistered(logger, account, proof is not null);
        return reply;
    }

    /// <summary>
    /// POST /v1/fresh-start: for a token holder who lost the device that holds the key. After the
    /// cool-down, counted from the first request and kept in the database, the escrow (record or
    /// tombstone) and its possession key are removed, so the account can register afresh; its record
    /// ids stay retired. Any proof of possession from the owner's device cancels it first.
    /// </summary>
    public async Task<FreshStartResponse> RequestFreshStartAsync(string account, CancellationToken cancellationToken)
    {
        long now = NowMs();
        await store.ApplyFreshStartAsync(account, FreshStartCutoffMs(), cancellationToken).ConfigureAwait(false);
        // Nothing held: nothing to forget, and a first registration is open now.
        long? requested = await store.RequestFreshStartAsync(account, now, cancellationToken).ConfigureAwait(false);
        long effective = requested is long asked ? asked + (_options.FreshStartCooldownSeconds * 1000L) : now;
        LogFreshStartRequested(logger, account);
        return new FreshStartResponse(DateTimeOffset.FromUnixTimeMilliseconds(requested ?? now), DateTimeOffset.FromUnixTimeMilliseconds(effective));
    }

    /// <summary>POST /v1/challenge: a fresh single-use nonce for a proof of possession.</summary>
    public async Task<ChallengeResponse> ChallengeAsync(string account, CancellationToken cancellationToken)
    {
        byte[] nonce = RandomNumberGenerator.GetBytes(VaultLengths.Nonce);
        long expires = NowMs() + (_options.NonceTimeoutSeconds * 1000L);
        await store.SaveNonceAsync(account, nonce, expires, cancellationToken).ConfigureAwait(false);
        return new ChallengeResponse(Convert.ToBase64String(nonce), account);
    }

    /// <summary>
    /// POST /v1/login/start. The attempt is counted, durably and together with the pending login,
    /// before KE2 is computed, by one statement that also enforces every rule that may refuse a login
    /// without spending a try: a live record in the declared password form, the guess limit, the
    /// delay after failures and the account's one-minute window. When it counts nothing, the escrow
    /// is read to say why: no escrow (404), a destroyed one (410), another password form (409), the
    /// final attempt (409, or 410 once it has failed), the delay or the window (429).
    /// </summary>
    /// <remarks>
    /// Every caller holds a token for the account, so telling it that no escrow exists reveals nothing
    /// it could not learn by registering (a first registration over an escrow gets 409).
    /// </remarks>
    public async Task<LoginStartResponse> StartLoginAsync(string account, LoginStartRequest request, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        var ke1 = Wire.Message(request.Ke1, KE1.Length, "ke1", b => KE1.Parse(b));
        PasswordForm? declared = request.PasswordForm is null
            ? null
            : PasswordForms.Parse(request.PasswordForm)
                ?? throw VaultProblemException.BadRequest(VaultErrorCodes.InvalidMessage, $"'passwordForm' must be '{PasswordForms.Nfc}' or '{PasswordForms.AsTyped}'.");
        byte[] loginId = RandomNumberGenerator.GetBytes(VaultLengths.Id);
        int perMinute = _options.RateLimit.Enabled ? _options.RateLimit.PerAccountPerMinute : 0;

        // Nothing counted and no reason found means the escrow changed in between (a reset, a lockout, a replaced record): count again.
        for (int round = 0; ; round++)
        {
            long now = NowMs();
            var count = new AttemptCount(_options.AttemptLimit, perMinute, declared, _delays, loginId, now, now + (_options.LoginTimeoutSeconds * 1000L));
            if (await store.CountAttemptAsync(account, count, cancellationToken).ConfigureAwait(false) is not { } grant)
            {
                await ExplainUncountedAsync(account, count, cancellationToken).ConfigureAwait(false);
                if (round < 8)
                {
                    continue;
                }

                throw new VaultProblemException(StatusCodes.Status409Conflict, VaultErrorCodes.RecordChanged, "Other logins to this account keep changing its counter; try again.");
            }

            hook.AttemptCounted(account, grant.Attempt);
            var record = RegistrationRecord.Parse(grant.Record);
            byte[] sealedState;
            KE2 ke2;
            using (var serverLogin = _server.StartLogin(record, ke1, CredentialIdentifier.For(account, grant.RecordId), null, out ke2))
            {
                sealedState = _sealer.Seal(serverLogin, loginId, account, new LoginTerms(grant.RecordId, grant.Attempt, count.ExpiresAtMs));
            }

            metrics.LoginLatency.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("stage", "start"));
            return new LoginStartResponse(
                Convert.ToBase64String(loginId), Convert.ToBase64String(ke2.ToArray()), grant.Ksf.ToContract(), Convert.ToBase64String(sealedState));
        }
    }

    /// <summary>
    /// Why <paramref name="count"/> counted nothing, from the escrow and its counter as they are now:
    /// throws the refusal, or returns when none applies any more (the caller counts again).
    /// </summary>
    private async Task ExplainUncountedAsync(string account, AttemptCount count, CancellationToken cancellationToken)
    {
        var escrow = await store.GetEscrowAsync(account, cancellationToken).ConfigureAwait(false) ?? throw NoRecord();
        if (escrow.IsTombstone)
        {
            throw KeyDestroyed();
        }

        if (count.Form is { } form && form != escrow.Form)
        {
            throw new VaultProblemException(
                StatusCodes.Status409Conflict, VaultErrorCodes.PasswordFormMismatch, "The escrow was registered with the password in another form; no try was counted.")
            {
                PasswordForm = PasswordForms.Name(escrow.Form),
            };
        }

        if (escrow.Counter is not { } counter)
        {
            await store.EnsureCounterAsync(account, escrow.RecordId, cancellationToken).ConfigureAwait(false);
            return;
        }

        long now = NowMs();
        if (counter.Attempts >= count.Limit)
        {
            // The final attempt is either still in flight, or was abandoned (it expired without a KE3), and then it has failed.
            if (!await LockOutAsync(account, escrow.RecordId, now, cancellationToken).ConfigureAwait(false))
            {
                throw new VaultProblemException(StatusCodes.Status409Conflict, VaultErrorCodes.FinalAttemptPending, "The last allowed attempt is in progress; try again when it has finished or expired.");
            }

            throw KeyDestroyed();
        }

        if (now < counter.NotBeforeMs)
        {
            throw VaultProblemException.RateLimited(
                $"After {counter.Attempts} logins without success the next must wait; no try was counted.", TimeSpan.FromMilliseconds(counter.NotBeforeMs - now));
        }

        const long Minute = 60_000;
        if (count.PerMinute > 0 && now - counter.WindowStartMs < Minute && counter.WindowCount >= count.PerMinute)
        {
            throw VaultProblemException.RateLimited("Too many logins to this account this minute; no try was counted.", TimeSpan.FromMilliseconds(counter.WindowStartMs + Minute - now));
        }
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
        byte[] loginId = Wire.Bytes(request.LoginId, VaultLengths.Id, "loginId");
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
            var failed = await store.FailLoginAsync(loginId, account, terms.RecordId, cancellationToken).ConfigureAwait(false);
            if (!failed.WasPending)
            {
                throw LoginUnknown();
            }

            metrics.LoginsFailed.Add(1);
            // 410 only when this failure really destroyed the record: a success of an earlier attempt may have reset the counter meanwhile.
            if (terms.Attempt >= limit && await LockOutAsync(account, terms.RecordId, long.MaxValue, cancellationToken).ConfigureAwait(false))
            {
                throw KeyDestroyed();
            }

            if (failed.Attempts is not int attempts)
            {
                throw RecordChanged();
            }

            // The tries left come from the counter as it is now, not from this attempt's number.
            throw new VaultProblemException(
                StatusCodes.Status403Forbidden,
                expired ? VaultErrorCodes.LoginExpired : VaultErrorCodes.WrongPassword,
                expired ? "The login expired before KE3 arrived; it counted as a failed attempt." : "The password is wrong.",
                Math.Max(0, limit - attempts));
        }

        try
        {
            var completion = await store.CompleteLoginAsync(loginId, account, terms.RecordId, cancellationToken).ConfigureAwait(false);
            if (!completion.WasPending)
            {
                throw LoginUnknown();
            }

            byte[] wrappedKey = completion.WrappedKey ?? throw RecordChanged();
            metrics.LoginsSucceeded.Add(1);
            metrics.LoginLatency.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("stage", "finish"));
            return new LoginFinishResponse(Convert.ToBase64String(KeyRelease.Seal(sessionKey, loginId, wrappedKey)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sessionKey);
        }
    }

    /// <summary>POST /v1/record/delete: turns password mode off, with a proof of possession. The record ids stay retired.</summary>
    public async Task DeleteRecordAsync(string account, RecordProofRequest request, CancellationToken cancellationToken)
    {
        var proof = ParseProof(request.Proof);
        await store.ApplyFreshStartAsync(account, FreshStartCutoffMs(), cancellationToken).ConfigureAwait(false);
        var current = await VerifyProofAsync(account, proof, PossessionProof.Purpose.Delete, null, cancellationToken).ConfigureAwait(false);
        if (!await store.DeleteEscrowAsync(account, new ExpectedEscrow(current.RecordId, current.PossessionKey), cancellationToken).ConfigureAwait(false))
        {
            throw new VaultProblemException(StatusCodes.Status409Conflict, VaultErrorCodes.RecordChanged, "The escrow changed while it was being deleted; try again.");
        }

        LogDeleted(logger, account);
    }

    /// <summary>
    /// POST /v1/record/check: lets the original device see that its escrow still exists, or that the
    /// guess limit destroyed it (a tombstone it can re-escrow over); the proof cancels a pending fresh start.
    /// </summary>
    public async Task<RecordStatusResponse> CheckRecordAsync(string account, RecordProofRequest request, CancellationToken cancellationToken)
    {
        var proof = ParseProof(request.Proof);
        await store.ApplyFreshStartAsync(account, FreshStartCutoffMs(), cancellationToken).ConfigureAwait(false);
        var current = await VerifyProofAsync(account, proof, PossessionProof.Purpose.Check, null, cancellationToken).ConfigureAwait(false);
        // Reported only when this proof really cancelled it (the sweeper may have carried it out meanwhile).
        bool cancelled = current.FreshStartAtMs is not null
            && await store.CancelFreshStartAsync(account, current.PossessionKey, cancellationToken).ConfigureAwait(false);
        if (cancelled)
        {
            LogFreshStartCancelled(logger, account);
        }

        return new RecordStatusResponse(
            current.IsTombstone ? EscrowStates.Destroyed : EscrowStates.Held,
            current.IsTombstone ? null : Convert.ToBase64String(current.RecordId),
            current.IsTombstone ? 0 : current.Attempts,
            current.DestroyedAtMs is long destroyed ? DateTimeOffset.FromUnixTimeMilliseconds(destroyed) : null,
            cancelled ? DateTimeOffset.FromUnixTimeMilliseconds(current.FreshStartAtMs!.Value) : null,
            current.Legacy && !current.IsTombstone);
    }

    /// <summary>Deletes the expired, locks out the records whose final attempt was abandoned, and carries out fresh starts whose cool-down is over.</summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        int lockedOut = await store.SweepAsync(NowMs(), _options.AttemptLimit, FreshStartCutoffMs(), cancellationToken).ConfigureAwait(false);
        if (lockedOut > 0)
        {
            metrics.Lockouts.Add(lockedOut);
            LogSweptLockouts(logger, lockedOut);
        }
    }

    private async Task<EscrowRecord> VerifyProofAsync(
        string account, (byte[] Nonce, byte[] Signature) proof, PossessionProof.Purpose purpose, byte[]? payload, CancellationToken cancellationToken)
    {
        // The nonce is consumed first, so a signature is good for one attempt whatever the outcome.
        if (!await store.TakeNonceAsync(account, proof.Nonce, NowMs(), cancellationToken).ConfigureAwait(false))
        {
            throw NonceInvalid();
        }

        var current = await store.GetEscrowAsync(account, cancellationToken).ConfigureAwait(false) ?? throw NoRecord();
        byte[] message = PossessionProof.Message(purpose, proof.Nonce, account, payload ?? []);

        // A token holder learns whether an escrow exists anyway (a first registration gets 409), so the
        // owner's device may be told the difference between no escrow and one controlled by another key.
        if (!PossessionKey.Verify(proof.Signature, message, current.PossessionKey))
        {
            throw PossessionKeyMismatch();
        }

        return current;
    }

    private async Task<bool> LockOutAsync(string account, byte[]? recordId, long settledBeforeMs, CancellationToken cancellationToken)
    {
        if (!await store.LockOutIfExhaustedAsync(account, recordId, _options.AttemptLimit, settledBeforeMs, NowMs(), cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        metrics.Lockouts.Add(1);
        LogLockedOut(logger, account);
        return true;
    }

    private static (byte[] Nonce, byte[] Signature) ParseProof(ProofContract? proof)
    {
        if (proof is null)
        {
            throw VaultProblemException.BadRequest(VaultErrorCodes.MissingField, "'proof' is required.");
        }

        return (Wire.Bytes(proof.Nonce, VaultLengths.Nonce, "proof.nonce"), Wire.Bytes(proof.Signature, VaultLengths.Signature, "proof.signature"));
    }

    private static KsfParameters ParseKsf(KsfContract? ksf)
    {
        if (ksf is null)
        {
            throw VaultProblemException.BadRequest(VaultErrorCodes.MissingField, "'ksf' is required.");
        }

        var parameters = KsfParameters.From(ksf)!;
        if (!parameters.IsAllowed)
        {
            throw VaultProblemException.BadRequest(VaultErrorCodes.BadKsf, "KSF parameters must have parallelism 1, 1-64 iterations and 8 KiB-4 GiB of memory.");
        }

        return parameters;
    }

    private static VaultProblemException KeyDestroyed() =>
        new(StatusCodes.Status410Gone, VaultErrorCodes.KeyDestroyed, "The vault no longer holds this account's key: too many wrong passwords destroyed it for good.");

    private static VaultProblemException RecordChanged() =>
        new(StatusCodes.Status409Conflict, VaultErrorCodes.RecordChanged, "The record was replaced or deleted during this login.");

    private static VaultProblemException LoginUnknown() =>
        new(StatusCodes.Status409Conflict, VaultErrorCodes.LoginUnknown, "No such login is pending: it was finished already, expired, or never started.");

    private static VaultProblemException NoRecord() =>
        new(StatusCodes.Status404NotFound, VaultErrorCodes.NoRecord, "This account has no escrow.");

    private static VaultProblemException NonceInvalid() =>
        new(StatusCodes.Status403Forbidden, VaultErrorCodes.NonceInvalid, "The nonce is unknown, used or expired; get a new one from /v1/challenge.");

    private static VaultProblemException PossessionKeyMismatch() =>
        new(StatusCodes.Status403Forbidden, VaultErrorCodes.PossessionKeyMismatch, "This account's escrow is controlled by another possession key: another device made it, or rotated the key.");

    private static VaultProblemException NotIssued(string why) =>
        VaultProblemException.BadRequest(VaultErrorCodes.InvalidMessage, $"'recordId' {why}: record ids come only from /v1/registration/start, once each.");

    /// <summary>Whether <paramref name="sent"/> is the account's current record, byte for byte: a finish already stored.</summary>
    private async Task<bool> IsStoredAsync(string account, EscrowRecord sent, CancellationToken cancellationToken) =>
        await store.GetEscrowAsync(account, cancellationToken).ConfigureAwait(false) is { } current
        && current.RecordId.AsSpan().SequenceEqual(sent.RecordId) && SameEscrow(current, sent);

    private static bool SameEscrow(EscrowRecord stored, EscrowRecord sent) =>
        stored.Record is { } record && record.AsSpan().SequenceEqual(sent.Record)
        && stored.WrappedKey is { } wrapped && wrapped.AsSpan().SequenceEqual(sent.WrappedKey)
        && stored.PossessionKey.AsSpan().SequenceEqual(sent.PossessionKey) && stored.Ksf == sent.Ksf && stored.Form == sent.Form;

    private RegistrationChannel OpenChannel(byte[] clientKey)
    {
        try
        {
            return RegistrationChannel.ForVault(keys.Setup, _context, clientKey);
        }
        catch (OpaqueException)
        {
            throw VaultProblemException.BadRequest(VaultErrorCodes.InvalidMessage, "'clientKey' is not a valid group element.");
        }
    }

    private long FreshStartCutoffMs() => NowMs() - (_options.FreshStartCooldownSeconds * 1000L);

    private long NowMs() => time.GetUtcNow().ToUnixTimeMilliseconds();

    [LoggerMessage(Level = LogLevel.Information, Message = "Escrow stored for account {Account} (replaced: {Replaced})")]
    private static partial void LogRegistered(ILogger logger, string account, bool replaced);

    [LoggerMessage(Level = LogLevel.Information, Message = "Record deleted by its owner for account {Account}")]
    private static partial void LogDeleted(ILogger logger, string account);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fresh start requested for account {Account}")]
    private static partial void LogFreshStartRequested(ILogger logger, string account);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pending fresh start cancelled by the owner's proof for account {Account}")]
    private static partial void LogFreshStartCancelled(ILogger logger, string account);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Guess limit reached: record destroyed for account {Account}")]
    private static partial void LogLockedOut(ILogger logger, string account);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Guess limit reached on {Count} abandoned logins: records destroyed")]
    private static partial void LogSweptLockouts(ILogger logger, int count);
}
