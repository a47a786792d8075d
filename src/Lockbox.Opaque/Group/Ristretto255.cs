using System.Security.Cryptography;
using Lockbox.Opaque.Native;

namespace Lockbox.Opaque.Group;

/// <summary>
/// The prime-order group ristretto255 (RFC 9496) with the serialization rules RFC 9497 §4.1 sets:
/// elements are 32-byte canonical encodings, never the identity; scalars are 32-byte little-endian
/// integers below the group order.
/// </summary>
internal static unsafe class Ristretto255
{
    public const int ElementLength = 32;
    public const int ScalarLength = 32;

    /// <summary>Length of the uniform bytes reduced to a scalar or mapped to an element (RFC 9497 §4.1).</summary>
    public const int UniformLength = 64;

    static Ristretto255() => Sodium.EnsureInitialized();

    /// <summary>
    /// DeserializeElement: accepts only canonical encodings of a non-identity element.
    /// libsodium's is_valid_point accepts the identity (all zeros), which RFC 9497 §4.1 rejects.
    /// </summary>
    public static bool IsValidElement(ReadOnlySpan<byte> element)
    {
        if (element.Length != ElementLength || element.IndexOfAnyExcept((byte)0) < 0)
        {
            return false;
        }

        fixed (byte* p = element)
        {
            return Sodium.crypto_core_ristretto255_is_valid_point(p) == 1;
        }
    }

    /// <summary>DeserializeScalar: a canonical, non-zero scalar.</summary>
    public static bool IsValidScalar(ReadOnlySpan<byte> scalar)
    {
        if (scalar.Length != ScalarLength || scalar.IndexOfAnyExcept((byte)0) < 0)
        {
            return false;
        }

        // A scalar is canonical exactly when reducing it modulo the order leaves it unchanged.
        Span<byte> wide = stackalloc byte[UniformLength];
        Span<byte> reduced = stackalloc byte[ScalarLength];
        scalar.CopyTo(wide);
        ReduceScalar(wide, reduced);
        return reduced.SequenceEqual(scalar);
    }

    /// <summary>Maps 64 uniform bytes to an element (RFC 9496 §4.3.4, one-way map).</summary>
    public static void ElementFromUniform(ReadOnlySpan<byte> uniform, Span<byte> element)
    {
        CheckLength(uniform, UniformLength);
        CheckLength(element, ElementLength);
        fixed (byte* u = uniform)
        fixed (byte* e = element)
        {
            // from_hash always succeeds; it returns 0 for the API's sake.
            _ = Sodium.crypto_core_ristretto255_from_hash(e, u);
        }
    }

    /// <summary>Reduces a 64-byte little-endian integer modulo the group order.</summary>
    public static void ReduceScalar(ReadOnlySpan<byte> wide, Span<byte> scalar)
    {
        CheckLength(wide, UniformLength);
        CheckLength(scalar, ScalarLength);
        fixed (byte* w = wide)
        fixed (byte* s = scalar)
        {
            Sodium.crypto_core_ristretto255_scalar_reduce(s, w);
        }
    }

    /// <summary>A uniformly random non-zero scalar (RFC 9497 §2.1 RandomScalar).</summary>
    public static void RandomScalar(Span<byte> scalar)
    {
        CheckLength(scalar, ScalarLength);
        fixed (byte* s = scalar)
        {
            Sodium.crypto_core_ristretto255_scalar_random(s);
        }
    }

    public static void InvertScalar(ReadOnlySpan<byte> scalar, Span<byte> inverse)
    {
        CheckLength(scalar, ScalarLength);
        CheckLength(inverse, ScalarLength);
        fixed (byte* s = scalar)
        fixed (byte* r = inverse)
        {
            if (Sodium.crypto_core_ristretto255_scalar_invert(r, s) != 0)
            {
                throw new OpaqueException(OpaqueError.InvalidInput, "Cannot invert the zero scalar.");
            }
        }
    }

    /// <summary>scalar * element; an identity result (possible only for hostile input) is an error.</summary>
    public static void Multiply(ReadOnlySpan<byte> scalar, ReadOnlySpan<byte> element, Span<byte> result)
    {
        CheckLength(scalar, ScalarLength);
        CheckLength(element, ElementLength);
        CheckLength(result, ElementLength);
        fixed (byte* s = scalar)
        fixed (byte* e = element)
        fixed (byte* r = result)
        {
            if (Sodium.crypto_scalarmult_ristretto255(r, s, e) != 0)
            {
                CryptographicOperations.ZeroMemory(result);
                throw new OpaqueException(OpaqueError.InvalidMessage, "A group operation produced the identity element.");
            }
        }
    }

    /// <summary>scalar * G (RFC 9497 ScalarMultGen).</summary>
    public static void MultiplyBase(ReadOnlySpan<byte> scalar, Span<byte> result)
    {
        CheckLength(scalar, ScalarLength);
        CheckLength(result, ElementLength);
        fixed (byte* s = scalar)
        fixed (byte* r = result)
        {
            if (Sodium.crypto_scalarmult_ristretto255_base(r, s) != 0)
            {
                CryptographicOperations.ZeroMemory(result);
                throw new OpaqueException(OpaqueError.InvalidInput, "The scalar is zero.");
            }
        }
    }

    private static void CheckLength(ReadOnlySpan<byte> buffer, int expected)
    {
        if (buffer.Length != expected)
        {
            throw new ArgumentException($"Expected {expected} bytes, got {buffer.Length}.");
        }
    }
}
