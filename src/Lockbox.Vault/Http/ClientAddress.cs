using System.Net;
using System.Net.Sockets;

namespace Lockbox.Vault.Server.Http;

/// <summary>
/// The key a client's address is limited under: an IPv4 address as it is, an IPv6 address by its /64
/// (one subscriber's prefix: a host picks any of its 2^64 addresses freely, so a per-address limit
/// would hold nobody back), and an IPv4-mapped IPv6 address as the IPv4 address it maps.
/// </summary>
public static class ClientAddress
{
    /// <summary>The partition key of <paramref name="address"/>; "unknown" when there is none (an in-process test server).</summary>
    public static string PartitionKey(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }
}
