using System.Security.Cryptography;
using System.Text;

namespace Lockbox.Keys;

/// <summary>
/// The 256-bit backup key: the one secret that opens a user's backups. Shown to the user as 64
/// lowercase hex digits in 16 groups of 4. Whoever loses it (and has no password escrow) loses the
/// backups; no one else can recover them.
/// </summary>
public sealed class BackupKey : IDisposable
{
    /// <summary>Length of the key in bytes.</summary>
    public const int Length = 32;

    private readonly byte[] _key;
    private bool _disposed;

    private BackupKey(byte[] key) => _key = key;

    /// <summary>A new random key from the system CSPRNG.</summary>
    public static BackupKey Generate() => new(RandomNumberGenerator.GetBytes(Length));

    /// <summary>Wraps existing key bytes (copied).</summary>
    public static BackupKey FromBytes(ReadOnlySpan<byte> key)
    {
        if (key.Length != Length)
        {
            throw new ArgumentException($"A backup key is {Length} bytes.", nameof(key));
        }

        return new BackupKey(key.ToArray());
    }

    /// <summary>
    /// Parses the 64-digit form. Upper case, spaces, dashes and line breaks are accepted, so a key
    /// copied from a password manager or typed from paper works as shown.
    /// </summary>
    /// <exception cref="FormatException">Not exactly 64 hex digits; the message never echoes the input.</exception>
    public static BackupKey Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Span<char> digits = stackalloc char[2 * Length];
        int count = 0;
        try
        {
            foreach (char c in text)
            {
                if (c is ' ' or '-' or '\t' or '\r' or '\n')
                {
                    continue;
                }

                if (!char.IsAsciiHexDigit(c))
                {
                    throw new FormatException("A backup key has only the digits 0-9 and a-f.");
                }

                if (count == digits.Length)
                {
                    throw new FormatException("A backup key has exactly 64 digits; this has more.");
                }

                digits[count++] = c;
            }

            if (count != digits.Length)
            {
                throw new FormatException($"A backup key has exactly 64 digits; this has {count}.");
            }

            byte[] key = new byte[Length];
            Convert.FromHexString(digits, key, out _, out _);
            return new BackupKey(key);
        }
        finally
        {
            digits.Clear();
        }
    }

    /// <summary>The key bytes. Do not keep a copy.</summary>
    public ReadOnlySpan<byte> Bytes
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _key;
        }
    }

    /// <summary>The 64-digit display form: 16 groups of 4 lowercase hex digits.</summary>
    public string ToDisplayString()
    {
        string hex = Convert.ToHexStringLower(Bytes);
        var text = new StringBuilder(16 * 5);
        for (int i = 0; i < hex.Length; i += 4)
        {
            if (i > 0)
            {
                text.Append(' ');
            }

            text.Append(hex, i, 4);
        }

        return text.ToString();
    }

    /// <summary>Never prints the key.</summary>
    public override string ToString() => "BackupKey(hidden)";

    /// <summary>Zeroes the key.</summary>
    public void Dispose()
    {
        _disposed = true;
        CryptographicOperations.ZeroMemory(_key);
    }
}
