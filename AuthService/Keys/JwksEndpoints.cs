using System.Text.Json.Serialization;
using AuthService.Configuration;
using Microsoft.IdentityModel.Tokens;
using Platform.Security.InternalTls;
using Platform.Security.Tokens;

namespace AuthService.Keys;

internal static class JwksEndpoints
{
    /// <summary>Verifiers cache JWKS at most this long, so a retired key stops verifying within a minute.</summary>
    private const string CacheControl = "public, max-age=30";

    public static IEndpointRouteBuilder MapJwks(this IEndpointRouteBuilder app)
    {
        app.MapGet("/.well-known/jwks.json", (KeyRing keys, HttpContext context) =>
            {
                context.Response.Headers.CacheControl = CacheControl;
                var published = keys.Published.Select(key => new JsonWebKeyModel(
                    Kty: "EC",
                    Crv: "P-256",
                    Alg: TokenConventions.Algorithm,
                    Use: "sig",
                    Kid: key.Kid,
                    X: Base64UrlEncoder.Encode(key.PublicParameters.Q.X),
                    Y: Base64UrlEncoder.Encode(key.PublicParameters.Q.Y)
                ));
                return TypedResults.Ok(new JsonWebKeySetModel([.. published]));
            })
            .WithName("Jwks")
            .WithTags("Keys")
            .WithSummary("The public keys that verify access tokens (JWKS)");

        // Built on the configured public origin, never the request's Host: a caller cannot make it name another server.
        app.MapGet("/.well-known/openid-configuration", (InternalServiceSettings service, HttpContext context) =>
            {
                context.Response.Headers.CacheControl = CacheControl;
                return TypedResults.Ok(
                    new DiscoveryDocument(
                        TokenConventions.Issuer,
                        new Uri(service.PublicBaseUrl, "/.well-known/jwks.json").ToString(),
                        [TokenConventions.Algorithm]
                    )
                );
            })
            .WithName("OpenIdConfiguration")
            .WithTags("Keys")
            .WithSummary("The issuer and where its keys are (discovery document)");

        return app;
    }
}

internal sealed record JsonWebKeyModel(string Kty, string Crv, string Alg, string Use, string Kid, string X, string Y);

internal sealed record JsonWebKeySetModel(IReadOnlyList<JsonWebKeyModel> Keys);

internal sealed record DiscoveryDocument(
    string Issuer,
    [property: JsonPropertyName("jwks_uri")] string JwksUri,
    [property: JsonPropertyName("id_token_signing_alg_values_supported")] IReadOnlyList<string> SigningAlgorithms
);
