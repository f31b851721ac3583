using System.Globalization;
using AuthService.Authentication;
using ServiceDefaults.Http;

namespace AuthService.Audit;

public sealed record AuditPage(IReadOnlyList<AuthAuditEvent> Items, string? NextCursor);

internal static class AuditEndpoints
{
    public static IEndpointRouteBuilder MapAuditEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/audit/auth", async Task<IResult> (string? limit, string? cursor, IAuthAuditStore audit, CancellationToken cancellationToken) =>
        {
            var size = 50;
            if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > 200))
            {
                return JsonBody.Invalid("limit must be a whole number from 1 to 200.");
            }

            long? before = null;
            if (cursor is not null)
            {
                if (!long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
                {
                    return JsonBody.Invalid("cursor is not one this API returned.");
                }

                before = parsed;
            }

            var items = await audit.ListAsync(size, before, cancellationToken);
            var next = items.Count == size ? items[^1].Id.ToString(CultureInfo.InvariantCulture) : null;
            return TypedResults.Ok(new AuditPage(items, next));
        }).WithName("AuthAudit").WithTags("Audit").RequireAuthorization(Policies.Admin);
        return app;
    }
}
