using System.Security.Cryptography;

namespace Lockbox.Crypto;

/// <summary>
/// AES-256-GCM (NIST SP 800-38D) with a fresh random 96-bit nonce per message. Sealed form:
/// nonce[12] || ciphertext || tag[16]. Random nonces keep the collision bound at 2^-32 up to 2^32
/// messages per key (SP 800-38D §8.3), far beyond any repository's blob count.
/// </summary>
internal sealed class Aead : IDisposable
{
    public const int NonceLength = 12;
    public const int TagLength = 16;
    public const int Overhead = NonceLength + TagLength;

    private readonly byte[] _key;

    // AesGcm instances are not thread-safe, and setting one up costs more than sealing a 4 KiB page:
    // each thread keeps its own.
    private readonly ThreadLocal<AesGcm> _cipher;

    public Aead(ReadOnlySpan<byte> key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("AES-256-GCM takes a 32-byte key.", nameof(key));
        }

        _key = key.ToArray();
        _cipher = new ThreadLocal<AesGcm>(() => new AesGcm(_key, TagLength), trackAllValues: true);
    }

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> into <paramref name="sealedOutput"/> (plaintext length +
    /// <see cref="Overhead"/>). The plaintext may lie exactly where its ciphertext goes, at
    /// <see cref="NonceLength"/> in the output: AES-GCM is a stream cipher and AesGcm allows that overlap.
    /// </summary>
    public void Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData, Span<byte> sealedOutput)
    {
        if (sealedOutput.Length != plaintext.Length + Overhead)
        {
            throw new ArgumentException("The output must be the plaintext length plus the overhead.", nameof(sealedOutput));
        }

        Span<byte> nonce = sealedOutput[..NonceLength];
        RandomNumberGenerator.Fill(nonce);
        _cipher.Value!.Encrypt(nonce, plaintext, sealedOutput[NonceLength..^TagLength], sealedOutput[^TagLength..], associatedData);
    }

    public byte[] Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        byte[] sealedOutput = new byte[plaintext.Length + Overhead];
        Seal(plaintext, associatedData, sealedOutput);
        return sealedOutput;
    }

    /// <summary>Decrypts and authenticates; false if the tag does not verify (nothing usable is written).</summary>
    public bool TryOpen(ReadOnlySpan<byte> sealedInput, ReadOnlySpan<byte> associatedData, Span<byte> plaintext)
    {
        if (sealedInput.Length < Overhead || plaintext.Length != sealedInput.Length - Overhead)
        {
            return false;
        }

        try
        {
            _cipher.Value!.Decrypt(sealedInput[..NonceLength], sealedInput[NonceLength..^TagLength], sealedInput[^TagLength..], plaintext, associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        foreach (var cipher in _cipher.Values)
        {
            cipher.Dispose();
        }

        _cipher.Dispose();
        CryptographicOperations.ZeroMemory(_key);
    }
}
