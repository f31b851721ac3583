using System.Net;
using System.Net.Sockets;

namespace ServiceDefaults.Networking;

/// <summary>
/// The key under which every per-address limit and detector counts a client. An IPv4 address is its own key; an IPv6
/// client is keyed by its /64 network, because one subscriber or machine is handed a whole /64 and can use any of its
/// 2^64 addresses: keyed by address, each would get a fresh budget.
/// </summary>
public static class ClientKey
{
    public const string Unknown = "unknown";

    public static string For(IPAddress? address)
    {
        if (address is null)
        {
            return Unknown;
        }

        address = ClientAddress.Normalize(address);

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }

    /// <summary>For an address already written as text (as the services receive it); anything unparsable is its own key.</summary>
    public static string For(string? address) =>
        address is null ? Unknown
        : IPAddress.TryParse(address, out var parsed) ? For(parsed)
        : address;
}
