using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Authorization;
using Gateway.Configuration;
using Gateway.Routing;
using Platform.Security.Tokens;
using Yarp.ReverseProxy;

namespace Gateway.ApiDocs;

/// <summary>
/// One OpenAPI document for the public surface: the operations of the services' own documents that the gateway
/// forwards (nothing else: no <c>/internal/…</c>, no health), on the gateway's public origin, each with the security
/// its route demands and the errors the gateway itself can answer. Built from the services' documents, read through
/// the proxy's own clients (internal TLS included) from a healthy replica, and kept for a minute.
/// </summary>
internal sealed partial class PublicApiDocument(
    IProxyStateLookup proxy,
    GatewaySettings settings,
    TimeProvider time,
    ILogger<PublicApiDocument> logger
) : IDisposable
{
    public static readonly TimeSpan Freshness = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(5);
    private static readonly string[] Methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    private readonly SemaphoreSlim _building = new(1, 1);
    private Built? _current;

    private sealed record Built(byte[] Json, DateTimeOffset At);

    /// <returns>The document as UTF-8 JSON, or null when a service's description cannot be read and none was before.</returns>
    public async Task<byte[]?> GetAsync(CancellationToken cancellationToken)
    {
        if (Fresh(Volatile.Read(ref _current)) is { } fresh)
        {
            return fresh;
        }

        await _building.WaitAsync(cancellationToken);
        try
        {
            var current = Volatile.Read(ref _current);
            if (Fresh(current) is { } built)
            {
                return built;
            }

            var auth = await FetchAsync(GatewayRoutes.AuthCluster, cancellationToken);
            var recordings = await FetchAsync(GatewayRoutes.RecordingsCluster, cancellationToken);
            if (auth is null || recordings is null)
            {
                // A service is down: the last document is still true of the public surface; without one, 503.
                return current?.Json;
            }

            var json = JsonSerializer.SerializeToUtf8Bytes(
                Merge(settings.PublicBaseUrl, [(GatewayRoutes.AuthCluster, auth), (GatewayRoutes.RecordingsCluster, recordings)])
            );
            Volatile.Write(ref _current, new Built(json, time.GetUtcNow()));
            return json;
        }
        finally
        {
            _building.Release();
        }
    }

    public void Dispose() => _building.Dispose();

    private byte[]? Fresh(Built? built) => built is not null && time.GetUtcNow() - built.At < Freshness ? built.Json : null;

    private async Task<JsonObject?> FetchAsync(string clusterId, CancellationToken cancellationToken)
    {
        if (!proxy.TryGetCluster(clusterId, out var cluster))
        {
            return null;
        }

        var destinations =
            cluster.DestinationsState.AvailableDestinations.Count > 0
                ? cluster.DestinationsState.AvailableDestinations
                : cluster.DestinationsState.AllDestinations;
        foreach (var destination in destinations)
        {
            var url = new Uri(new Uri(destination.Model.Config.Address.TrimEnd('/') + "/"), "openapi/v1.json");
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(FetchTimeout);
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                using var response = await cluster.Model.HttpClient.SendAsync(request, timeout.Token);
                response.EnsureSuccessStatusCode();
                await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
                if (await JsonNode.ParseAsync(body, cancellationToken: timeout.Token) is JsonObject document)
                {
                    return document;
                }
            }
            catch (Exception ex)
                when (ex is HttpRequestException or OperationCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
            {
                LogUnreadable(clusterId, url, ex.Message);
            }
        }

        return null;
    }

    /// <summary>The public document from the services' documents (each with the cluster that serves it).</summary>
    /// <exception cref="InvalidOperationException">Two services describe one schema name differently.</exception>
    public static JsonObject Merge(Uri publicOrigin, IReadOnlyList<(string Cluster, JsonObject Document)> services)
    {
        var paths = new JsonObject();
        var schemas = new JsonObject();
        var tags = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (cluster, document) in services)
        {
            foreach (var (name, schema) in document["components"]?["schemas"]?.AsObject() ?? [])
            {
                if (!schemas.TryGetPropertyValue(name, out var existing))
                {
                    schemas[name] = schema?.DeepClone();
                }
                else if (!JsonNode.DeepEquals(existing, schema))
                {
                    throw new InvalidOperationException($"The services describe the schema {name} differently.");
                }
            }

            foreach (var (path, item) in document["paths"]?.AsObject() ?? [])
            {
                foreach (var (method, operation) in item!.AsObject())
                {
                    if (!Methods.Contains(method) || GatewayRoutes.RouteFor(cluster, path, method) is not { } route)
                    {
                        continue;
                    }

                    var published = operation!.DeepClone().AsObject();
                    Describe(published, route);
                    foreach (var tag in published["tags"]?.AsArray() ?? [])
                    {
                        tags.Add(tag!.GetValue<string>());
                    }

                    if (paths[path] is not JsonObject target)
                    {
                        paths[path] = target = [];
                    }

                    target[method] = published;
                }
            }
        }

        paths["/ws"] = LiveEvents();
        tags.Add("Live events");
        return new JsonObject
        {
            ["openapi"] = services[0].Document["openapi"]?.DeepClone() ?? "3.1.1",
            ["info"] = new JsonObject
            {
                ["title"] = "Call recordings API",
                ["version"] = "v1",
                ["description"] =
                    "Everything the dashboard does, for API clients: sign in (tokens in the body for clients that are not "
                    + "browsers), find, play, download and delete recordings, manage users, read the audits. Every request goes through "
                    + "this gateway; errors are application/problem+json (RFC 9457).",
            },
            ["servers"] = new JsonArray(new JsonObject { ["url"] = publicOrigin.GetLeftPart(UriPartial.Authority), ["description"] = "The gateway" }),
            ["tags"] = new JsonArray([.. tags.Select(tag => (JsonNode)new JsonObject { ["name"] = tag, ["description"] = TagDescription(tag) })]),
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["schemas"] = schemas,
                ["responses"] = GatewayResponses(),
                ["securitySchemes"] = new JsonObject
                {
                    [BearerScheme] = new JsonObject
                    {
                        ["type"] = "http",
                        ["scheme"] = "bearer",
                        ["bearerFormat"] = "JWT",
                        ["description"] = "The access_token of POST /api/auth/login (ES256, 15 minutes by default).",
                    },
                    [CookieScheme] = new JsonObject
                    {
                        ["type"] = "apiKey",
                        ["in"] = "cookie",
                        ["name"] = TokenConventions.SessionCookie,
                        ["description"] = "The session cookie a browser gets at sign-in.",
                    },
                },
            },
        };
    }

    private const string BearerScheme = "bearer";
    private const string CookieScheme = "sessionCookie";

    // The route's security, and the errors the gateway answers before (or instead of) the service.
    private static void Describe(JsonObject operation, GatewayRoutes.Route route)
    {
        var anonymous = route.Policy == GatewayPolicies.Anonymous;
        operation["security"] = anonymous
            ? new JsonArray()
            : new JsonArray(new JsonObject { [BearerScheme] = new JsonArray() }, new JsonObject { [CookieScheme] = new JsonArray() });
        if (route.Policy == GatewayPolicies.Admin && operation["description"] is null)
        {
            operation["description"] = "For admins.";
        }

        var responses = operation["responses"] as JsonObject ?? [];
        operation["responses"] = responses;
        if (!anonymous)
        {
            Add(responses, "401", "Unauthorized");
        }

        // The origin check refuses a browser's unsafe request from another origin, signed in or not (a refresh by cookie).
        if (!anonymous || route.Methods is not { } methods || methods.Any(method => method is not ("GET" or "HEAD")))
        {
            Add(responses, "403", "Forbidden");
        }

        if (operation.ContainsKey("requestBody"))
        {
            Add(responses, "413", "ContentTooLarge");
        }

        Add(responses, "429", "TooManyRequests");
        Add(responses, "502", "BadGateway");
        Add(responses, "503", "ServiceUnavailable");
        Add(responses, "504", "GatewayTimeout");

        // A service's own description of a status stays (it says more); the gateway's is added where there is none.
        static void Add(JsonObject responses, string status, string component)
        {
            if (!responses.ContainsKey(status))
            {
                responses[status] = new JsonObject { ["$ref"] = "#/components/responses/" + component };
            }
        }
    }

    private static JsonObject GatewayResponses()
    {
        var retryAfter = new JsonObject
        {
            ["description"] = "Seconds to wait before trying again.",
            ["schema"] = new JsonObject { ["type"] = "integer" },
        };
        return new JsonObject
        {
            ["Unauthorized"] = Problem(
                "No valid token or session cookie (missing, expired, revoked, or signed by an unknown key).",
                new JsonObject
                {
                    ["WWW-Authenticate"] = new JsonObject
                    {
                        ["description"] = "Bearer, with the reason.",
                        ["schema"] = new JsonObject { ["type"] = "string" },
                    },
                }
            ),
            ["Forbidden"] = Problem(
                "The token's role does not allow this; or the token may only set up a second factor (\"mfa\": \"totp-setup-required\"); "
                    + "or a browser's request came from an origin that is not allowed."
            ),
            ["ContentTooLarge"] = Problem("The body is larger than this route allows."),
            ["TooManyRequests"] = Problem(
                "Too many requests from this address (or failed sign-ins for this username).",
                new JsonObject
                {
                    ["Retry-After"] = retryAfter.DeepClone(),
                    ["RateLimit"] = new JsonObject
                    {
                        ["description"] = "What is left of the limit and when it resets.",
                        ["schema"] = new JsonObject { ["type"] = "string" },
                    },
                    ["RateLimit-Policy"] = new JsonObject
                    {
                        ["description"] = "The limit and its window.",
                        ["schema"] = new JsonObject { ["type"] = "string" },
                    },
                }
            ),
            ["BadGateway"] = Problem("The service failed while answering."),
            ["ServiceUnavailable"] = Problem(
                "No replica of the service can answer now, or the signing keys are not read yet.",
                new JsonObject { ["Retry-After"] = retryAfter }
            ),
            ["GatewayTimeout"] = Problem("The service did not answer in time."),
        };

        static JsonObject Problem(string description, JsonObject? headers = null)
        {
            var response = new JsonObject
            {
                ["description"] = description,
                ["content"] = new JsonObject
                {
                    ["application/problem+json"] = new JsonObject
                    {
                        ["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/ProblemDetails" },
                    },
                },
            };
            if (headers is not null)
            {
                response["headers"] = headers;
            }

            return response;
        }
    }

    // The services describe no WebSocket (OpenAPI has no words for one): the gateway names its upgrade here.
    private static JsonObject LiveEvents() =>
        new()
        {
            ["get"] = new JsonObject
            {
                ["operationId"] = "LiveEvents",
                ["tags"] = new JsonArray("Live events"),
                ["summary"] = "Live events over a WebSocket: recordings as they arrive, change or are deleted",
                ["description"] =
                    "Open with a WebSocket upgrade (or an HTTP/2 extended CONNECT) from an allowed origin. Messages are JSON: "
                    + "{\"type\":\"connected\"} first, then {\"type\":\"recording\",…} per change. The socket closes when the session ends.",
                ["security"] = new JsonArray(
                    new JsonObject { [BearerScheme] = new JsonArray() },
                    new JsonObject { [CookieScheme] = new JsonArray() }
                ),
                ["responses"] = new JsonObject
                {
                    ["101"] = new JsonObject { ["description"] = "Switching Protocols: the WebSocket is open." },
                    ["401"] = new JsonObject { ["$ref"] = "#/components/responses/Unauthorized" },
                    ["403"] = new JsonObject { ["$ref"] = "#/components/responses/Forbidden" },
                    ["429"] = new JsonObject { ["$ref"] = "#/components/responses/TooManyRequests" },
                    ["503"] = new JsonObject { ["$ref"] = "#/components/responses/ServiceUnavailable" },
                },
            },
        };

    private static string TagDescription(string tag) =>
        tag switch
        {
            "Sign-in" => "Sessions: sign in, refresh, sign out, who am I.",
            "Second factor" => "A signed-in user's own TOTP second factor.",
            "Users" => "Accounts and roles (admins).",
            "Keys" => "The public keys that verify access tokens.",
            "Recordings" => "Call recordings: list, details, audio, delete, sync.",
            "Webhooks" => "What Twilio calls.",
            "Live events" => "Changes pushed to the dashboard as they happen.",
            "Audit" => "Who did what (admins).",
            _ => tag,
        };

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Cluster} service's API description could not be read from {Url}: {Reason}")]
    private partial void LogUnreadable(string cluster, Uri url, string reason);
}
