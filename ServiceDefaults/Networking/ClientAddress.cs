using System.Net;
using Microsoft.AspNetCore.Http;

namespace ServiceDefaults.Networking;

/// <summary>The client's address, one way everywhere: what <c>UseClientIp</c> settled, one address per client.</summary>
public static class ClientAddress
{
    /// <summary>Dual-stack sockets report IPv4 clients as <c>::ffff:a.b.c.d</c>: the IPv4 address itself.</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>
    /// The client as text, for audits, logs and per-client counts: the connection's address after <c>UseClientIp</c>
    /// (the gateway's <c>X-Forwarded-For</c> when it came from a trusted proxy); null when unknown.
    /// </summary>
    public static string? ClientIp(this HttpContext context) => context.Connection.RemoteIpAddress?.ToString();
}
