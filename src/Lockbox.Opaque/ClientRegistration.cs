using System.Security.Cryptography;
using Lockbox.Opaque.Group;
using Lockbox.Opaque.Ksf;
using Lockbox.Opaque.Messages;
using Lockbox.Opaque.Oprf;

namespace Lockbox.Opaque;

/// <summary>
/// The client's registration state between RegistrationRequest and RegistrationRecord
/// (RFC 9807 §5.2.1, §5.2.3). Single use: Finish consumes it.
/// </summary>
public sealed class ClientRegistration : IDisposable
{
    private readonly byte[] _password;
    private readonly byte[] _blind;
    private bool _consumed;

    private ClientRegistration(byte[] password, byte[] blind)
    {
        _password = password;
        _blind = blind;
    }

    /// <summary>CreateRegistrationRequest: blinds the password.</summary>
    public static ClientRegistration Start(ReadOnlySpan<byte> password, out RegistrationRequest request)
    {
        byte[] blind = new byte[Sizes.Nsk];
        Ristretto255.RandomScalar(blind);
        return Start(password, blind, out request);
    }

    /// <summary>CreateRegistrationRequest with an injected blind, for the RFC vectors.</summary>
    internal static ClientRegistration Start(ReadOnlySpan<byte> password, byte[] blind, out RegistrationRequest request)
    {
        byte[] blinded = new byte[Sizes.Noe];
        OprfSuite.Blind(password, blind, blinded);
        request = new RegistrationRequest(blinded);
        return new ClientRegistration(password.ToArray(), blind);
    }

    /// <summary>FinalizeRegistrationRequest: builds the record to upload and the export key.</summary>
    /// <param name="response">The server's reply; its server public key is what the envelope binds.</param>
    /// <param name="ksf">The key stretching function; use the same one at every login.</param>
    /// <param name="identities">Client and server identities; null for the defaults.</param>
    public RegistrationResult Finish(RegistrationResponse response, IKeyStretching ksf, OpaqueIdentities? identities = null) =>
        Finish(response, ksf, identities, RandomNumberGenerator.GetBytes(Sizes.Nn));

    internal RegistrationResult Finish(
        RegistrationResponse response, IKeyStretching ksf, OpaqueIdentities? identities, ReadOnlySpan<byte> envelopeNonce)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(ksf);
        ObjectDisposedException.ThrowIf(_consumed, this);

        Span<byte> randomizedPassword = stackalloc byte[Sizes.Nh];
        Span<byte> envelope = stackalloc byte[Sizes.Ne];
        Span<byte> clientPublicKey = stackalloc byte[Sizes.Npk];
        Span<byte> maskingKey = stackalloc byte[Sizes.Nh];
        byte[] exportKey = new byte[Sizes.Nh];
        try
        {
            RandomizedPassword.Derive(_password, _blind, response.EvaluatedMessage, ksf, randomizedPassword);
            Envelope.Store(
                randomizedPassword, response.ServerPublicKey, identities ?? OpaqueIdentities.Default,
                envelopeNonce, envelope, clientPublicKey, maskingKey, exportKey);
            var record = RegistrationRecord.Create(clientPublicKey, maskingKey, envelope);
            return new RegistrationResult(record, exportKey, response.ServerPublicKey.ToArray());
        }
        finally
        {
            CryptographicOperations.ZeroMemory(randomizedPassword);
            CryptographicOperations.ZeroMemory(maskingKey);
            Dispose();
        }
    }

    /// <summary>Zeroes the password and blind.</summary>
    public void Dispose()
    {
        _consumed = true;
        CryptographicOperations.ZeroMemory(_password);
        CryptographicOperations.ZeroMemory(_blind);
    }
}
