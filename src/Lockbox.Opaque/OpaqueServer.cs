using System.Security.Cryptography;
using Lockbox.Opaque.Group;
using Lockbox.Opaque.KeyExchange;
using Lockbox.Opaque.Messages;
using Lockbox.Opaque.Oprf;

namespace Lockbox.Opaque;

/// <summary>
/// The server side of OPAQUE-3DH (RFC 9807 §5.2.2 and §6.2): answers registration requests and
/// starts logins. Thread-safe; holds no per-client state.
/// </summary>
public sealed class OpaqueServer
{
    private static readonly byte[] DeriveKeyPairInfo = "OPAQUE-DeriveKeyPair"u8.ToArray();

    private readonly ServerSetup _setup;
    private readonly byte[] _context;
    private readonly byte[] _fakeClientPublicKey;

    /// <summary>Creates a server over <paramref name="setup"/>.</summary>
    /// <param name="setup">The long-term secrets; the caller keeps ownership.</param>
    /// <param name="context">The application context bound into every handshake (RFC 9807 §6.4.2); empty by default.</param>
    public OpaqueServer(ServerSetup setup, ReadOnlySpan<byte> context = default)
    {
        ArgumentNullException.ThrowIfNull(setup);
        if (context.Length > ushort.MaxValue)
        {
            throw new ArgumentException("The context is at most 65535 bytes.", nameof(context));
        }

        _setup = setup;
        _context = context.ToArray();
        _fakeClientPublicKey = DeriveFakeClientPublicKey(setup);
    }

    /// <summary>CreateRegistrationResponse (RFC 9807 §5.2.2).</summary>
    /// <param name="request">The client's blinded password.</param>
    /// <param name="credentialIdentifier">Unique per registration; it selects the OPRF key.</param>
    public RegistrationResponse CreateRegistrationResponse(RegistrationRequest request, ReadOnlySpan<byte> credentialIdentifier)
    {
        ArgumentNullException.ThrowIfNull(request);
        byte[] response = new byte[RegistrationResponse.Length];
        Evaluate(request.BlindedMessage, credentialIdentifier, response.AsSpan(0, Sizes.Noe));
        _setup.PublicKey.CopyTo(response.AsSpan(Sizes.Noe));
        return new RegistrationResponse(response);
    }

    /// <summary>
    /// GenerateKE2 (RFC 9807 §6.2.3). With a null <paramref name="record"/> the reply is computed over a
    /// fake record (§6.4.2, §10.9), so an unknown credential looks like a known one with a wrong password.
    /// </summary>
    public ServerLogin StartLogin(
        RegistrationRecord? record, KE1 ke1, ReadOnlySpan<byte> credentialIdentifier, OpaqueIdentities? identities, out KE2 ke2)
    {
        Span<byte> randomness = stackalloc byte[Sizes.Nn + Sizes.Nn + Sizes.Nseed];
        RandomNumberGenerator.Fill(randomness);
        try
        {
            record ??= FakeRecord(credentialIdentifier);
            return StartLogin(
                record, ke1, credentialIdentifier, identities ?? OpaqueIdentities.Default,
                randomness[..Sizes.Nn], randomness.Slice(Sizes.Nn, Sizes.Nn), randomness[(2 * Sizes.Nn)..], out ke2);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(randomness);
        }
    }

    /// <summary>GenerateKE2 with injected randomness, for the RFC vectors.</summary>
    internal ServerLogin StartLogin(
        RegistrationRecord record,
        KE1 ke1,
        ReadOnlySpan<byte> credentialIdentifier,
        OpaqueIdentities identities,
        ReadOnlySpan<byte> maskingNonce,
        ReadOnlySpan<byte> serverNonce,
        ReadOnlySpan<byte> serverKeyshareSeed,
        out KE2 ke2)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(ke1);
        byte[] message = new byte[KE2.Length];
        Span<byte> m = message;

        // CreateCredentialResponse (§5.2.2/§6.4.3): evaluated_message || masking_nonce || masked_response
        Evaluate(ke1.BlindedMessage, credentialIdentifier, m[..Sizes.Noe]);
        maskingNonce.CopyTo(m[Sizes.Noe..]);
        Span<byte> maskedResponse = m.Slice(Sizes.Noe + Sizes.Nn, KE2.MaskedResponseLength);
        Kdf.Expand(record.MaskingKey, maskingNonce, "CredentialResponsePad"u8, maskedResponse);
        Xor(maskedResponse[..Sizes.Npk], _setup.PublicKey);
        Xor(maskedResponse[Sizes.Npk..], record.Envelope);

        // AuthServerRespond (§6.4.3): server_nonce || server_public_keyshare, then server_mac
        Span<byte> serverKeyshare = stackalloc byte[Sizes.Nsk];
        Span<byte> ikm = stackalloc byte[TripleDh.IkmLength];
        byte[] expectedClientMac = new byte[Sizes.Nm];
        byte[] sessionKey = new byte[Sizes.Nx];
        try
        {
            serverNonce.CopyTo(m[KE2.CredentialResponseLength..]);
            Span<byte> serverPublicKeyshare = m.Slice(KE2.CredentialResponseLength + Sizes.Nn, Sizes.Npk);
            Envelope.DeriveDiffieHellmanKeyPair(serverKeyshareSeed, serverKeyshare, serverPublicKeyshare);

            // dh1 = DH(server_private_keyshare, client_public_keyshare)
            // dh2 = DH(server_private_key, client_public_keyshare)
            // dh3 = DH(server_private_keyshare, client_public_key)
            Ristretto255.Multiply(serverKeyshare, ke1.ClientPublicKeyshare, ikm[..Sizes.Npk]);
            Ristretto255.Multiply(_setup.PrivateKey, ke1.ClientPublicKeyshare, ikm.Slice(Sizes.Npk, Sizes.Npk));
            Ristretto255.Multiply(serverKeyshare, record.ClientPublicKey, ikm[(2 * Sizes.Npk)..]);

            var credentials = new CleartextCredentials(_setup.PublicKey, record.ClientPublicKey, identities);
            var ke2Message = new KE2(message);
            TripleDh.Run(ikm, _context, credentials, ke1.Bytes, ke2Message.PreamblePart, new TripleDh.Transcript
            {
                ServerMac = m[(KE2.Length - Sizes.Nm)..],
                ClientMac = expectedClientMac,
                SessionKey = sessionKey,
            });
            ke2 = ke2Message;
            return new ServerLogin(expectedClientMac, sessionKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(serverKeyshare);
            CryptographicOperations.ZeroMemory(ikm);
        }
    }

    /// <summary>
    /// A fake record for an unknown credential (RFC 9807 §6.4.2, §10.9): the server's fake client
    /// public key, a masking key derived from the OPRF seed and the identifier (so repeated queries
    /// for one unknown identifier stay consistent), and an all-zero envelope. The fake key pair is
    /// derived once, so an unknown account costs the same as a known one and timing does not tell
    /// them apart. These labels are Lockbox's own and never appear on the wire.
    /// </summary>
    internal RegistrationRecord FakeRecord(ReadOnlySpan<byte> credentialIdentifier)
    {
        Span<byte> maskingKey = stackalloc byte[Sizes.Nh];
        Kdf.Expand(_setup.OprfSeed, credentialIdentifier, "LockboxFakeMaskingKey"u8, maskingKey);
        var record = RegistrationRecord.Create(_fakeClientPublicKey, maskingKey, stackalloc byte[Sizes.Ne]);
        CryptographicOperations.ZeroMemory(maskingKey);
        return record;
    }

    private static byte[] DeriveFakeClientPublicKey(ServerSetup setup)
    {
        Span<byte> seed = stackalloc byte[Sizes.Nseed];
        Span<byte> privateKey = stackalloc byte[Sizes.Nsk];
        byte[] publicKey = new byte[Sizes.Npk];
        Kdf.Expand(setup.OprfSeed, default, "LockboxFakeClientKey"u8, seed);
        Envelope.DeriveDiffieHellmanKeyPair(seed, privateKey, publicKey);
        CryptographicOperations.ZeroMemory(seed);
        CryptographicOperations.ZeroMemory(privateKey);
        return publicKey;
    }

    /// <summary>The OPRF evaluation under the credential's key (RFC 9807 §5.2.2).</summary>
    private void Evaluate(ReadOnlySpan<byte> blindedMessage, ReadOnlySpan<byte> credentialIdentifier, Span<byte> evaluatedMessage)
    {
        Span<byte> seed = stackalloc byte[Sizes.Nok];
        Span<byte> oprfKey = stackalloc byte[Sizes.Nok];
        try
        {
            // seed = Expand(oprf_seed, credential_identifier || "OprfKey", Nok)
            Kdf.Expand(_setup.OprfSeed, credentialIdentifier, "OprfKey"u8, seed);
            OprfSuite.DeriveKeyPair(seed, DeriveKeyPairInfo, oprfKey, default);
            OprfSuite.BlindEvaluate(oprfKey, blindedMessage, evaluatedMessage);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
            CryptographicOperations.ZeroMemory(oprfKey);
        }
    }

    private static void Xor(Span<byte> target, ReadOnlySpan<byte> value)
    {
        for (int i = 0; i < target.Length; i++)
        {
            target[i] ^= value[i];
        }
    }
}
