using Gateway.Authorization;
using Gateway.Routing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;
using Platform.Security.Tokens;

namespace Gateway.Dashboard;

/// <summary>Marks the dashboard's signed-in files: a browser without a session is sent to the sign-in page.</summary>
internal sealed record DashboardFile;

internal static class DashboardExtensions
{
    private const string SignedInFolder = "app";

    public static IServiceCollection AddDashboard(this IServiceCollection services, Uri? cdnBaseUrl) =>
        services
            .AddSingleton<IAuthorizationMiddlewareResultHandler, DashboardSignInRedirect>()
            .AddSingleton(provider =>
                DashboardAssets.Build(
                    provider.GetRequiredService<IWebHostEnvironment>().WebRootFileProvider,
                    cdnBaseUrl,
                    Path.Combine(AppContext.BaseDirectory, DashboardAssets.BuildFolder)
                )
            );

    /// <summary>
    /// The sign-in page at <c>/</c> and the dashboard's files from wwwroot, each file its own endpoint (listed at
    /// start-up), so the route table decides who may read it: everything under <c>/app/</c> needs a session. Paths
    /// that are not files of the dashboard never touch the disk, and no file can shadow a service's route. Files carry
    /// an ETag and must be revalidated (<c>no-cache</c>), so a new release is seen at once; signed-in pages are
    /// <c>no-store</c>, so after sign-out Back shows nothing from the cache.
    /// </summary>
    public static WebApplication MapDashboard(this WebApplication app)
    {
        var files = app.Environment.WebRootFileProvider;
        var serve = StaticFiles(app);
        var assets = app.Services.GetRequiredService<DashboardAssets>();
        foreach (var file in Files(files, ""))
        {
            var signedIn = file.StartsWith(SignedInFolder + "/", StringComparison.Ordinal);
            var page = file.EndsWith(".html", StringComparison.OrdinalIgnoreCase);
            var routes = Path.GetFileName(file) == "index.html" ? new[] { "/" + file, "/" + file[..^"index.html".Length] } : ["/" + file];
            // Pages load their scripts and styles by hashed name (from CDN_BASE_URL when set) and are never stored.
            var content = page ? assets.Pages["/" + file] : null;
            RequestDelegate handler = content is null
                ? serve
                : context =>
                {
                    context.Response.Headers[HeaderNames.CacheControl] = "no-store";
                    context.Response.ContentType = "text/html; charset=utf-8";
                    context.Response.ContentLength = content.Length;
                    return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.Body.WriteAsync(content).AsTask();
                };

            foreach (var route in routes)
            {
                var endpoint = app.MapMethods(route, [HttpMethods.Get, HttpMethods.Head], handler)
                    .WithDisplayName("dashboard " + route)
                    .WithMetadata(RouteFacts.NotLimited);
                _ = signedIn
                    // An admin who must first enrol a second factor gets the dashboard too: it shows them the enrolment.
                    ? endpoint.RequireAuthorization(GatewayPolicies.Enrolling).WithMetadata(new DashboardFile())
                    : endpoint.AllowAnonymous();
            }
        }

        // Hashed assets: public (a CDN may fetch them; they hold no data), cached for a year, never revalidated.
        foreach (var (path, asset) in assets.Assets)
        {
            app.MapMethods(path, [HttpMethods.Get, HttpMethods.Head], context =>
                {
                    var headers = context.Response.Headers;
                    headers[HeaderNames.CacheControl] = "public, max-age=31536000, immutable";
                    headers.AccessControlAllowOrigin = "*";
                    context.Items[SecurityHeaders.SecurityHeadersMiddleware.CrossOriginAssetItem] = true;
                    context.Response.ContentType = asset.ContentType;
                    context.Response.ContentLength = asset.Content.Length;
                    return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.Body.WriteAsync(asset.Content).AsTask();
                })
                .WithDisplayName("dashboard asset " + path)
                .WithMetadata(RouteFacts.NotLimited)
                .AllowAnonymous();
        }

        return app;
    }

    // The framework's static files (ETags, conditional requests, content types, index.html for a folder), run by
    // the endpoint it was routed to; like MapFallbackToFile, the endpoint is cleared so the middleware serves.
    private static RequestDelegate StaticFiles(WebApplication app)
    {
        var branch = ((IEndpointRouteBuilder)app).CreateApplicationBuilder();
        branch.Use(
            (context, next) =>
            {
                context.SetEndpoint(null);
                return next(context);
            }
        );
        branch.UseDefaultFiles();
        branch.UseStaticFiles(
            new StaticFileOptions
            {
                OnPrepareResponse = context =>
                {
                    if (!context.Context.Response.Headers.ContainsKey(HeaderNames.CacheControl))
                    {
                        context.Context.Response.Headers[HeaderNames.CacheControl] = "no-cache";
                    }
                },
            }
        );
        return branch.Build();
    }

    internal static IEnumerable<string> Files(IFileProvider provider, string folder)
    {
        foreach (var entry in provider.GetDirectoryContents(folder))
        {
            var path = folder.Length == 0 ? entry.Name : folder + "/" + entry.Name;
            if (entry.IsDirectory)
            {
                foreach (var nested in Files(provider, path))
                {
                    yield return nested;
                }
            }
            else
            {
                yield return path;
            }
        }
    }
}

/// <summary>
/// A browser navigating to a signed-in dashboard file without a session (<c>Accept: text/html</c>) is sent to the
/// sign-in page (302 to <c>/</c>); any other client gets the usual 401. A session that could not be checked because the
/// gateway has no signing key yet is not sent to sign in again: it gets the 503 every other route gives then.
/// </summary>
internal sealed class DashboardSignInRedirect : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (
            authorizeResult.Challenged
            && context.GetEndpoint()?.Metadata.GetMetadata<DashboardFile>() is not null
            && !context.Items.ContainsKey(PlatformAuthentication.NoKeysYetItem)
            && context.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase)
        )
        {
            context.Response.Redirect("/", permanent: false);
            return Task.CompletedTask;
        }

        return _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
