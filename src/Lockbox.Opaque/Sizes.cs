namespace Lockbox.Opaque;

/// <summary>The lengths RFC 9807 §7 fixes for ristretto255-SHA512 (configuration of Appendix C).</summary>
internal static class Sizes
{
    public const int Nn = 32;     // nonces
    public const int Nseed = 32;  // key-derivation seeds
    public const int Npk = 32;    // public keys (group elements)
    public const int Nsk = 32;    // private keys (scalars)
    public const int Nh = 64;     // SHA-512 output
    public const int Nm = 64;     // HMAC-SHA512 output
    public const int Nx = 64;     // HKDF-SHA512 extract output
    public const int Nok = 32;    // OPRF private key
    public const int Noe = 32;    // serialized OPRF element
    public const int Ne = Nn + Nm; // envelope: nonce || auth_tag
}
