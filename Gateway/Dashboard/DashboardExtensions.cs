using Microsoft.AspNetCore.Authentication;
using Microsoft.Net.Http.Headers;

namespace Gateway.Dashboard;

internal static class DashboardExtensions
{
    /// <summary>
    /// Everything under <c>/app/</c> needs a session: a browser navigating there without one is sent to the sign-in
    /// page (302 to <c>/</c>); any other client gets 401.
    /// </summary>
    public static WebApplication UseDashboardGuard(this WebApplication app)
    {
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/app", StringComparison.OrdinalIgnoreCase), branch => branch.Use(async (context, next) =>
        {
            var result = await context.AuthenticateAsync();
            if (result.Succeeded)
            {
                context.User = result.Principal;
                // Signed-in pages are never kept: after sign-out, Back shows nothing from the cache. Scripts and
                // styles hold no data: they are revalidated by ETag like the public ones.
                var path = context.Request.Path.Value ?? "";
                if (path.EndsWith('/') || path.EndsWith(".html", StringComparison.OrdinalIgnoreCase))
                {
                    context.Response.Headers[HeaderNames.CacheControl] = "no-store";
                }
                await next(context);
                return;
            }

            if (context.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Redirect("/", permanent: false);
                return;
            }

            await context.ChallengeAsync();
        }));
        return app;
    }

    /// <summary>
    /// The sign-in page at <c>/</c> and the dashboard's files from wwwroot. Files carry an ETag and must be
    /// revalidated, so a new release is seen at once while unchanged files cost a 304. Paths that belong to the
    /// services never look at the disk: a file can never shadow them, and the API does not pay a file lookup per request.
    /// </summary>
    public static WebApplication UseDashboard(this WebApplication app)
    {
        app.UseWhen(context => !IsServicePath(context.Request.Path), branch =>
        {
            branch.UseDefaultFiles();
            branch.UseStaticFiles(new StaticFileOptions
            {
                OnPrepareResponse = context =>
                {
                    if (!context.Context.Response.Headers.ContainsKey(HeaderNames.CacheControl))
                    {
                        context.Context.Response.Headers[HeaderNames.CacheControl] = "no-cache";
                    }
                },
            });
        });
        return app;
    }

    private static readonly string[] ServicePrefixes = ["/api", "/ws", "/webhooks", "/.well-known", "/health"];

    private static bool IsServicePath(PathString path)
    {
        foreach (var prefix in ServicePrefixes)
        {
            if (path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
