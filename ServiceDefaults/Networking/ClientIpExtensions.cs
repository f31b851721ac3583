using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using IPNetwork = System.Net.IPNetwork;

namespace ServiceDefaults.Networking;

public static class ClientIpExtensions
{
    /// <summary>
    /// Makes <c>Connection.RemoteIpAddress</c> the client IP: the connection's address, or, when the connection comes
    /// from one of <paramref name="trustedProxies"/>, the right-most <c>X-Forwarded-For</c> entry that is not itself a
    /// trusted proxy. Anyone else's <c>X-Forwarded-*</c> is ignored. The gateway takes over only the address; a service
    /// behind the gateway (<paramref name="forwardedByGateway"/>) also takes the scheme and host the gateway saw, and
    /// believes them from any connection that presented a client certificate: with internal TLS only the platform's own
    /// processes can (the handshake refuses any other), so the gateway is trusted by its certificate wherever it runs,
    /// with no address to configure.
    /// </summary>
    public static IServiceCollection AddClientIp(
        this IServiceCollection services,
        IReadOnlyList<IPNetwork> trustedProxies,
        bool forwardedByGateway = false
    )
    {
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            // With empty lists the framework would believe every sender: no trusted proxy means no forwarding at all.
            options.ForwardedHeaders =
                trustedProxies.Count == 0 ? ForwardedHeaders.None
                : forwardedByGateway ? ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost
                : ForwardedHeaders.XForwardedFor;
            // The framework trusts loopback by default; nothing is trusted unless configured.
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var network in trustedProxies)
            {
                options.KnownIPNetworks.Add(network);
            }

            // Walk right to left through every trusted hop, stopping at the first untrusted address.
            options.ForwardLimit = null;
            options.RequireHeaderSymmetry = false;
        });
        if (forwardedByGateway)
        {
            services.AddSingleton(new CertifiedForwarding());
        }

        return services;
    }

    public static WebApplication UseClientIp(this WebApplication app)
    {
        if (app.Services.GetService<CertifiedForwarding>() is { } certified)
        {
            app.UseWhen(static context => context.Connection.ClientCertificate is not null, branch => branch.UseForwardedHeaders(certified.Options));
            app.UseWhen(static context => context.Connection.ClientCertificate is null, branch => branch.UseForwardedHeaders());
        }
        else
        {
            app.UseForwardedHeaders();
        }

        // Dual-stack sockets report IPv4 clients as ::ffff:a.b.c.d; one client should have one address in logs and limits.
        app.Use(
            static (context, next) =>
            {
                if (context.Connection.RemoteIpAddress is { } address)
                {
                    context.Connection.RemoteIpAddress = ClientAddress.Normalize(address);
                }

                return next(context);
            }
        );
        return app;
    }
}

/// <summary>
/// Forwarded headers from a connection that presented a deployment certificate (the gateway): the right-most entry,
/// which is the client the gateway saw, whatever address the gateway connects from.
/// </summary>
internal sealed class CertifiedForwarding
{
    public ForwardedHeadersOptions Options { get; } = CreateOptions();

    private static ForwardedHeadersOptions CreateOptions()
    {
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost,
            ForwardLimit = 1,
            RequireHeaderSymmetry = false,
        };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        options.KnownIPNetworks.Add(IPNetwork.Parse("0.0.0.0/0"));
        options.KnownIPNetworks.Add(IPNetwork.Parse("::/0"));
        return options;
    }
}
