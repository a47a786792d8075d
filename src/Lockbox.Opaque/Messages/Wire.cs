using Lockbox.Opaque.Group;

namespace Lockbox.Opaque.Messages;

/// <summary>Shared checks for parsing untrusted message bytes (RFC 9807 §5.1, §6.1).</summary>
internal static class Wire
{
    public static byte[] CopyExact(ReadOnlySpan<byte> bytes, int length, string messageName)
    {
        if (bytes.Length != length)
        {
            throw new OpaqueException(
                OpaqueError.InvalidMessage, $"{messageName} must be {length} bytes, got {bytes.Length}.");
        }

        return bytes.ToArray();
    }

    public static void RequireElement(ReadOnlySpan<byte> element, string messageName, string fieldName)
    {
        if (!Ristretto255.IsValidElement(element))
        {
            throw new OpaqueException(
                OpaqueError.InvalidMessage, $"{messageName}.{fieldName} is not a valid ristretto255 element.");
        }
    }
}
