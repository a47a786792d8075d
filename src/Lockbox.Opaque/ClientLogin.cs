using System.Security.Cryptography;
using Lockbox.Opaque.Group;
using Lockbox.Opaque.KeyExchange;
using Lockbox.Opaque.Ksf;
using Lockbox.Opaque.Messages;
using Lockbox.Opaque.Oprf;

namespace Lockbox.Opaque;

/// <summary>
/// The client's login state between KE1 and KE3 (RFC 9807 §6.2.2, §6.2.4). Single use:
/// <see cref="Finish"/> consumes it, whether the login succeeds or not.
/// </summary>
public sealed class ClientLogin : IDisposable
{
    private readonly byte[] _password;
    private readonly byte[] _blind;
    private readonly byte[] _clientSecret;
    private readonly KE1 _ke1;
    private bool _consumed;

    private ClientLogin(byte[] password, byte[] blind, byte[] clientSecret, KE1 ke1)
    {
        _password = password;
        _blind = blind;
        _clientSecret = clientSecret;
        _ke1 = ke1;
    }

    /// <summary>GenerateKE1: blinds the password and makes an ephemeral key share.</summary>
    public static ClientLogin Start(ReadOnlySpan<byte> password, out KE1 ke1)
    {
        byte[] blind = new byte[Sizes.Nsk];
        Ristretto255.RandomScalar(blind);
        Span<byte> randomness = stackalloc byte[Sizes.Nn + Sizes.Nseed];
        RandomNumberGenerator.Fill(randomness);
        try
        {
            return Start(password, blind, randomness[..Sizes.Nn], randomness[Sizes.Nn..], out ke1);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(randomness);
        }
    }

    /// <summary>GenerateKE1 with injected randomness, for the RFC vectors.</summary>
    internal static ClientLogin Start(
        ReadOnlySpan<byte> password, byte[] blind, ReadOnlySpan<byte> clientNonce, ReadOnlySpan<byte> clientKeyshareSeed, out KE1 ke1)
    {
        // KE1 = blinded_message || client_nonce || client_public_keyshare (§6.4.3 AuthClientStart)
        byte[] message = new byte[KE1.Length];
        byte[] clientSecret = new byte[Sizes.Nsk];
        OprfSuite.Blind(password, blind, message.AsSpan(0, Sizes.Noe));
        clientNonce.CopyTo(message.AsSpan(Sizes.Noe));
        Envelope.DeriveDiffieHellmanKeyPair(clientKeyshareSeed, clientSecret, message.AsSpan(Sizes.Noe + Sizes.Nn));
        ke1 = new KE1(message);
        return new ClientLogin(password.ToArray(), blind, clientSecret, ke1);
    }

    /// <summary>GenerateKE3: opens the envelope, authenticates the server and answers it.</summary>
    /// <param name="ke2">The server's reply.</param>
    /// <param name="ksf">The key stretching function used at registration.</param>
    /// <param name="identities">The identities used at registration; null for the defaults.</param>
    /// <param name="context">The application context the server uses (RFC 9807 §6.4.2); empty by default.</param>
    /// <exception cref="OpaqueException">
    /// <see cref="OpaqueError.EnvelopeRecoveryFailed"/> for a wrong password or an unknown account;
    /// <see cref="OpaqueError.ServerAuthenticationFailed"/> when the server's MAC does not verify.
    /// </exception>
    public LoginResult Finish(KE2 ke2, IKeyStretching ksf, OpaqueIdentities? identities = null, ReadOnlySpan<byte> context = default)
    {
        ArgumentNullException.ThrowIfNull(ke2);
        ArgumentNullException.ThrowIfNull(ksf);
        ObjectDisposedException.ThrowIf(_consumed, this);

        Span<byte> randomizedPassword = stackalloc byte[Sizes.Nh];
        Span<byte> unmasked = stackalloc byte[KE2.MaskedResponseLength];
        Span<byte> clientPrivateKey = stackalloc byte[Sizes.Nsk];
        Span<byte> ikm = stackalloc byte[TripleDh.IkmLength];
        Span<byte> expectedServerMac = stackalloc byte[Sizes.Nm];
        byte[] exportKey = new byte[Sizes.Nh];
        byte[] clientMac = new byte[Sizes.Nm];
        byte[] sessionKey = new byte[Sizes.Nx];
        bool succeeded = false;
        try
        {
            // RecoverCredentials (§6.4.4): unmask server_public_key || envelope, then open the envelope.
            RandomizedPassword.Derive(_password, _blind, ke2.EvaluatedMessage, ksf, randomizedPassword);
            Kdf.Expand(randomizedPassword, default, "MaskingKey"u8, expectedServerMac);
            Kdf.Expand(expectedServerMac, ke2.MaskingNonce, "CredentialResponsePad"u8, unmasked);
            for (int i = 0; i < unmasked.Length; i++)
            {
                unmasked[i] ^= ke2.MaskedResponse[i];
            }

            ReadOnlySpan<byte> serverPublicKey = unmasked[..Sizes.Npk];
            var credentials = Envelope.Recover(
                randomizedPassword, serverPublicKey, unmasked[Sizes.Npk..], identities ?? OpaqueIdentities.Default,
                clientPrivateKey, exportKey);
            if (!Ristretto255.IsValidElement(serverPublicKey))
            {
                throw new OpaqueException(OpaqueError.InvalidMessage, "KE2 carries an invalid server public key.");
            }

            // AuthClientFinalize (§6.4.4):
            // dh1 = DH(client_secret, server_public_keyshare)
            // dh2 = DH(client_secret, server_public_key)
            // dh3 = DH(client_private_key, server_public_keyshare)
            Ristretto255.Multiply(_clientSecret, ke2.ServerPublicKeyshare, ikm[..Sizes.Npk]);
            Ristretto255.Multiply(_clientSecret, serverPublicKey, ikm.Slice(Sizes.Npk, Sizes.Npk));
            Ristretto255.Multiply(clientPrivateKey, ke2.ServerPublicKeyshare, ikm[(2 * Sizes.Npk)..]);

            TripleDh.Run(ikm, context, credentials, _ke1.Bytes, ke2.PreamblePart, new TripleDh.Transcript
            {
                ServerMac = expectedServerMac,
                ClientMac = clientMac,
                SessionKey = sessionKey,
            });
            if (!Kdf.MacEquals(expectedServerMac, ke2.ServerMac))
            {
                throw new OpaqueException(OpaqueError.ServerAuthenticationFailed, "The server's KE2 MAC did not verify.");
            }

            succeeded = true;
            return new LoginResult(new KE3(clientMac), sessionKey, exportKey, serverPublicKey.ToArray());
        }
        finally
        {
            CryptographicOperations.ZeroMemory(randomizedPassword);
            CryptographicOperations.ZeroMemory(unmasked);
            CryptographicOperations.ZeroMemory(clientPrivateKey);
            CryptographicOperations.ZeroMemory(ikm);
            if (!succeeded)
            {
                CryptographicOperations.ZeroMemory(exportKey);
                CryptographicOperations.ZeroMemory(sessionKey);
            }

            Dispose();
        }
    }

    /// <summary>Zeroes the password, blind and ephemeral secret.</summary>
    public void Dispose()
    {
        _consumed = true;
        CryptographicOperations.ZeroMemory(_password);
        CryptographicOperations.ZeroMemory(_blind);
        CryptographicOperations.ZeroMemory(_clientSecret);
    }
}
