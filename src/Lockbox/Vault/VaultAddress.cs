using System.Net;

namespace Lockbox.Vault.Client;

/// <summary>
/// Which vault addresses a client may talk to: https, or plain http only to a literal loopback
/// address (127.0.0.0/8, ::1), where no network lies between the two. Plain http anywhere else would
/// hand the account token, and a registration's timing, to whoever is on the path.
/// </summary>
internal static class VaultAddress
{
    /// <summary>Returns <paramref name="address"/> if it is allowed.</summary>
    /// <exception cref="ArgumentException">It is missing, relative, not http(s), or plain http to another host.</exception>
    public static Uri Check(Uri? address)
    {
        if (address is not { IsAbsoluteUri: true })
        {
            throw new ArgumentException("The vault's address must be an absolute https:// URL.", nameof(address));
        }

        if (address.Scheme == Uri.UriSchemeHttps)
        {
            return address;
        }

        if (address.Scheme == Uri.UriSchemeHttp && address.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip))
        {
            return address;
        }

        throw new ArgumentException(
            $"The vault's address must be https:// (plain http:// is allowed only to 127.0.0.1 or ::1), not {address.GetLeftPart(UriPartial.Authority)}.", nameof(address));
    }

    /// <summary>Whether <paramref name="answered"/> is on the vault's scheme, host and port.</summary>
    public static bool SameOrigin(Uri answered, Uri vault) =>
        answered.IsAbsoluteUri && Uri.Compare(answered, vault, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;
}
