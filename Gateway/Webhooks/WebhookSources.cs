using System.Net;
using Gateway.Routing;
using Microsoft.AspNetCore.Mvc;
using Platform.Security.Tokens;
using ServiceDefaults.Http;
using ServiceDefaults.Networking;
using IPNetwork = System.Net.IPNetwork;

namespace Gateway.Webhooks;

/// <summary>
/// TWILIO_WEBHOOK_ALLOWED_IPS: when set, a Twilio callback from any other client address is refused (403) before
/// anything else is done with it: no rate-limit state, no body read, nothing forwarded. Unset, every address may
/// call; the Twilio signature, checked by the RecordingsService, stays the check that matters, because Twilio does
/// not publish fixed source addresses for every product. The client address is the one the gateway trusts (the
/// connection's, or X-Forwarded-For from TRUSTED_PROXIES).
/// </summary>
internal static class WebhookSources
{
    public static WebApplication UseWebhookSourceAllowlist(this WebApplication app, IReadOnlyList<IPNetwork> allowed)
    {
        if (allowed.Count == 0)
        {
            return app;
        }

        app.Use(
            (context, next) =>
            {
                if (!RouteFacts.For(context).TwilioCallback || IsAllowed(context.Connection.RemoteIpAddress, allowed))
                {
                    return next(context);
                }

                context.Items[PlatformAuthentication.RefusalReasonItem] = "webhook-source";
                return context.WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden", "Callbacks are not accepted from this address.");
            }
        );
        return app;
    }

    private static bool IsAllowed(IPAddress? address, IReadOnlyList<IPNetwork> allowed)
    {
        if (address is null)
        {
            return false;
        }

        address = ClientAddress.Normalize(address);
        foreach (var network in allowed)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}
