using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AuthService.Configuration;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;

namespace Services.Tests.Infrastructure;

/// <summary>
/// The AuthService in memory with its own DATA_DIR and key directory, a seeded administrator, cheap bcrypt
/// (cost 10, the minimum) and a fake clock the test moves.
/// </summary>
public sealed class AuthHost : WebApplicationFactory<AuthSettings>
{
    public const string AdminPassword = "admin-password-123";
    public static readonly string AdminHash = BCrypt.Net.BCrypt.HashPassword(AdminPassword, 10);

    private readonly Dictionary<string, string> _settings;
    private readonly bool _ownsData;

    public AuthHost(IDictionary<string, string>? settings = null, string? dataDirectory = null)
    {
        _ownsData = dataDirectory is null;
        DataDirectory = dataDirectory ?? Directory.CreateTempSubdirectory("auth-data-").FullName;
        _settings = new Dictionary<string, string>
        {
            ["DATA_DIR"] = DataDirectory,
            ["JWT_KEYS_DIR"] = Path.Combine(DataDirectory, "keys"),
            ["ADMIN_USERNAME"] = "admin",
            ["ADMIN_PASSWORD_HASH"] = AdminHash,
            ["BCRYPT_WORK_FACTOR"] = "10",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            _settings[key] = value;
        }
    }

    public string DataDirectory { get; }

    /// <summary>This host's configuration as environment variables, for running the command line beside it.</summary>
    public Dictionary<string, string?> CommandEnvironment(IDictionary<string, string>? overrides = null)
    {
        var environment = _settings.ToDictionary(s => s.Key, s => (string?)s.Value);
        environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        return environment;
    }

    public string KeysDirectory => _settings["JWT_KEYS_DIR"];

    /// <summary>Starts at the real time: the command-line tools the tests run use the real clock.</summary>
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Time));
    }

    public HttpClient Client() => CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false });

    public async Task<SignIn> SignInAsync(string username = "admin", string password = AdminPassword)
    {
        using var client = Client();
        using var response = await client.PostAsJsonAsync("/api/auth/login", new { username, password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return new SignIn(
            json.RootElement.GetProperty("access_token").GetString()!,
            json.RootElement.GetProperty("refresh_token").GetString()!,
            response.Headers.GetValues("Set-Cookie").ToList()
        );
    }

    /// <summary>An authenticated request with a bearer token.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string accessToken, object? body = null)
    {
        using var client = Client();
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return await client.SendAsync(request);
    }

    public async Task<HttpResponseMessage> RefreshAsync(string refreshToken)
    {
        using var client = Client();
        return await client.PostAsJsonAsync("/api/auth/refresh", new { refresh_token = refreshToken });
    }

    /// <summary>The session ids on the revocation feed, as a verifier sees them.</summary>
    public async Task<IReadOnlyList<string>> RevokedSessionsAsync()
    {
        using var client = Client();
        using var json = JsonDocument.Parse(await client.GetStringAsync("/internal/revocations?since=0"));
        return [.. json.RootElement.GetProperty("sessions").EnumerateArray().Select(s => s.GetProperty("sid").GetString()!)];
    }

    public async Task<IReadOnlyList<JsonElement>> AuditAsync(string adminToken)
    {
        using var response = await SendAsync(HttpMethod.Get, "/api/audit/auth?limit=200", adminToken);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. json.RootElement.GetProperty("items").EnumerateArray().Select(e => e.Clone())];
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _ownsData && Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}

public sealed record SignIn(string AccessToken, string RefreshToken, IReadOnlyList<string> Cookies)
{
    public string SessionId => Jwt.Payload(AccessToken).GetProperty("sid").GetString()!;
}

public static class Jwt
{
    public static JsonElement Header(string token) => Part(token, 0);

    public static JsonElement Payload(string token) => Part(token, 1);

    private static JsonElement Part(string token, int index) =>
        JsonDocument.Parse(Base64UrlEncoder.Decode(token.Split('.')[index])).RootElement.Clone();
}
