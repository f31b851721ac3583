using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ServiceDefaults.Http;

namespace Platform.Storage.Audit;

public static class AuditEndpoints
{
    /// <summary>
    /// <c>GET {path}?limit=&amp;cursor=&amp;action=</c>: the audit, newest first (only one action's entries when given), for the given policy
    /// (admins).
    /// </summary>
    public static RouteHandlerBuilder MapAuditLog(this IEndpointRouteBuilder app, string path, string policy) =>
        app.MapGet(
                path,
                async Task<Results<Ok<AuditPage>, ProblemHttpResult>> (
                    string? limit,
                    string? cursor,
                    string? action,
                    IAuditLog audit,
                    CancellationToken cancellationToken
                ) =>
                {
                    if (action is not null && (action.Length is 0 or > 64 || !action.All(c => c is (>= 'a' and <= 'z') or '-')))
                    {
                        return JsonBody.Invalid("action must be an audit action such as access-alert (lower-case letters and '-').");
                    }

                    var size = 50;
                    if (
                        limit is not null
                        && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > 200)
                    )
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

                    var items = await audit.ListAsync(size, before, action, cancellationToken);
                    var next = items.Count == size ? items[^1].Id.ToString(CultureInfo.InvariantCulture) : null;
                    return TypedResults.Ok(new AuditPage(items, next));
                }
            )
            .WithTags("Audit")
            .RequireAuthorization(policy)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
}
