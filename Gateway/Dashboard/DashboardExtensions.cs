using Microsoft.Net.Http.Headers;

namespace Gateway.Dashboard;

internal static class DashboardExtensions
{
    /// <summary>
    /// The sign-in page at <c>/</c> and its assets from wwwroot. Files carry an ETag and must be revalidated,
    /// so a new release is seen at once while unchanged files cost a 304.
    /// </summary>
    public static WebApplication UseDashboard(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = context => context.Context.Response.Headers[HeaderNames.CacheControl] = "no-cache",
        });
        return app;
    }
}
