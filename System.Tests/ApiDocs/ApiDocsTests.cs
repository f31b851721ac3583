using System.Net;
using System.Net.Http.Json;
using System.Tests.Browser;
using System.Tests.Infrastructure;
using System.Text.Json;
using Microsoft.Playwright;

namespace System.Tests.ApiDocs;

/// <summary>The gateway's OpenAPI document and its interactive reference, on the system run.sh starts (real services).</summary>
[Collection(RunScriptGroup.Name)]
public sealed class ApiDocsTests(BrowserFixture fixture)
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    private RunningSystem System => fixture.System;

    [Fact]
    public async Task Document_IsForSignedInUsers()
    {
        using var client = System.Client();
        using var anonymous = await client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);

        using var browser = new HttpRequestMessage(HttpMethod.Get, "/docs");
        browser.Headers.Add("Accept", "text/html");
        using var redirected = await client.SendAsync(browser);
        Assert.Equal(HttpStatusCode.Redirect, redirected.StatusCode);
    }

    [Fact]
    public async Task Document_DescribesThePublicSurface_OnThePublicOrigin_WithSecurityAndProblemsPerOperation()
    {
        using var document = JsonDocument.Parse(await DocumentAsync());
        var root = document.RootElement;

        Assert.Equal(System.Url.GetLeftPart(UriPartial.Authority), root.GetProperty("servers")[0].GetProperty("url").GetString());
        var paths = root.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        // What the gateway forwards, from both services, and nothing it does not.
        foreach (
            var expected in new[]
            {
                "/api/auth/login",
                "/api/auth/mfa/totp/setup",
                "/api/users/{username}",
                "/api/recordings",
                "/api/recordings/{sid}/audio",
                "/webhooks/recording",
                "/ws",
                "/.well-known/jwks.json",
            }
        )
        {
            Assert.Contains(expected, paths);
        }

        Assert.DoesNotContain(paths, p =>
            p.StartsWith("/internal", StringComparison.Ordinal)
            || p.StartsWith("/health", StringComparison.Ordinal)
            || p.StartsWith("/openapi", StringComparison.Ordinal)
        );

        var schemes = root.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("bearer").GetProperty("scheme").GetString());
        Assert.Equal(
            ("cookie", "__Host-session"),
            (schemes.GetProperty("sessionCookie").GetProperty("in").GetString(), schemes.GetProperty("sessionCookie").GetProperty("name").GetString())
        );

        foreach (var (path, method, operation) in Operations(root))
        {
            var what = $"{method.ToUpperInvariant()} {path}";
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()), $"{what} has no summary");
            var security = operation.GetProperty("security").EnumerateArray().SelectMany(s => s.EnumerateObject().Select(p => p.Name)).ToList();
            var anonymous =
                path
                    is "/api/auth/login"
                        or "/api/auth/refresh"
                        or "/api/auth/passkeys/login"
                        or "/api/auth/passkeys/login/options"
                        or "/webhooks/recording"
                || path.StartsWith("/.well-known", StringComparison.Ordinal);
            Assert.True(
                anonymous ? security.Count == 0 : security.SequenceEqual(["bearer", "sessionCookie"]),
                $"{what}: security {string.Join(",", security)}"
            );

            var responses = operation.GetProperty("responses");
            foreach (var response in responses.EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
            {
                var resolved = Resolve(root, response.Value);
                var schema = resolved
                    .GetProperty("content")
                    .GetProperty("application/problem+json")
                    .GetProperty("schema")
                    .GetProperty("$ref")
                    .GetString();
                Assert.True(
                    schema is "#/components/schemas/ProblemDetails" or "#/components/schemas/HttpValidationProblemDetails",
                    $"{what} {response.Name}: {schema}"
                );
            }

            Assert.True(responses.TryGetProperty("429", out _), $"{what} names no 429");
            Assert.True(anonymous || responses.TryGetProperty("401", out _), $"{what} names no 401");
        }

        // The admin's operations say who may call them; a signed-in route refuses anonymous callers with 401.
        var deleteRecording = root.GetProperty("paths").GetProperty("/api/recordings/{sid}").GetProperty("delete");
        Assert.Equal("For admins.", deleteRecording.GetProperty("description").GetString());
        Assert.True(deleteRecording.GetProperty("responses").TryGetProperty("403", out _));
    }

    [Fact]
    public async Task Document_PassesRedoclysRecommendedRules()
    {
        using var folder = TemporaryDirectory.Create("openapi-");
        var file = Path.Combine(folder.Path, "openapi.json");
        await File.WriteAllTextAsync(file, await DocumentAsync());
        var redocly = Path.Combine(Repository.Root, "System.Tests", "ApiDocs", "lint", "node_modules", ".bin", "redocly");
        Assert.True(File.Exists(redocly), $"{redocly} is missing: deploy/test.sh installs it (npm ci --prefix System.Tests/ApiDocs/lint)");

        var result = await Processes.RunAsync(
            redocly,
            ["lint", file, "--extends", "recommended", "--format", "stylish"],
            environment: new Dictionary<string, string?>
            {
                ["REDOCLY_TELEMETRY"] = "off",
                ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true",
                ["NO_COLOR"] = "1",
            },
            timeout: TimeSpan.FromMinutes(2)
        );

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Contains("Woohoo! Your API description is valid.", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reference_ShowsTheOperations_InABrowser_RunningOnlyItsOwnScripts()
    {
        await using var context = await fixture.Browser.NewContextAsync(
            new BrowserNewContextOptions { BaseURL = System.Url.ToString(), IgnoreHTTPSErrors = true }
        );
        var page = await context.NewPageAsync();
        var problems = new List<string>();
        var elsewhere = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (problems)
                {
                    problems.Add(message.Text);
                }
            }
        };
        page.Request += (_, request) =>
        {
            if (
                !request.Url.StartsWith(System.Url.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal)
                && !request.Url.StartsWith("data:", StringComparison.Ordinal)
            )
            {
                lock (elsewhere)
                {
                    elsewhere.Add(request.Url);
                }
            }
        };

        await page.GotoAsync("/");
        await page.FillAsync("#username", System.AdminUsername);
        await page.FillAsync("#password", System.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**/app/");
        var response = await page.GotoAsync("/docs");
        Assert.Contains("'nonce-", response!.Headers["content-security-policy"], StringComparison.Ordinal);

        await Assertions.Expect(page.GetByText("Call recordings API").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Everything the dashboard does").First).ToBeVisibleAsync();
        foreach (var tag in new[] { "Recordings", "Second factor", "Users", "Webhooks" })
        {
            await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = tag, Exact = true })).ToBeVisibleAsync();
        }

        Assert.Equal(0, await page.GetByText("Ask AI").CountAsync());
        lock (problems)
        {
            Assert.DoesNotContain(problems, m => m.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));
        }

        lock (elsewhere)
        {
            Assert.Empty(elsewhere);
        }
    }

    private async Task<string> DocumentAsync()
    {
        using var client = System.Client();
        using var signIn = await client.PostAsJsonAsync("/api/auth/login", new { username = System.AdminUsername, password = System.AdminPassword });
        signIn.EnsureSuccessStatusCode();
        var token = (await signIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/openapi/v1.json");
        request.Headers.Authorization = new("Bearer", token);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync();
    }

    private static IEnumerable<(string Path, string Method, JsonElement Operation)> Operations(JsonElement root) =>
        from path in root.GetProperty("paths").EnumerateObject()
        from operation in path.Value.EnumerateObject()
        where Methods.Contains(operation.Name)
        select (path.Name, operation.Name, operation.Value);

    private static JsonElement Resolve(JsonElement root, JsonElement node)
    {
        if (!node.TryGetProperty("$ref", out var reference))
        {
            return node;
        }

        var target = root;
        foreach (var part in reference.GetString()!.TrimStart('#', '/').Split('/'))
        {
            target = target.GetProperty(part);
        }

        return target;
    }
}
