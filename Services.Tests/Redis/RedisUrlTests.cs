using ServiceDefaults.Redis;

namespace Services.Tests.Redis;

public sealed class RedisUrlTests
{
    [Fact]
    public void ARedisUrl_GivesItsHostPortDatabaseUserPasswordAndTls()
    {
        var options = RedisSettings.TryParse("rediss://app:p%40ss@cache.internal:6380/3", out var problem)!;

        Assert.Null(problem);
        Assert.Equal("Unspecified/cache.internal:6380", Assert.Single(options.EndPoints).ToString());
        Assert.Equal((3, "app", "p@ss", true), (options.DefaultDatabase, options.User, options.Password, options.Ssl));
        Assert.Equal("cache.internal:6380 (TLS) db 3", new RedisSettings(options).Description); // what logs name: no password
        Assert.Equal(
            "Unspecified/cache.internal:6379",
            Assert.Single(RedisSettings.TryParse("redis://:secret@cache.internal", out _)!.EndPoints).ToString()
        ); // the default port
    }

    [Theory]
    [InlineData("http://cache.internal:6379", "must be redis://")]
    [InlineData("cache.internal:6379", "must be redis://")]
    [InlineData("redis://:secret-pw@cache.internal/16", "not a number from 0 to 15")]
    [InlineData("redis://:secret-pw@cache.internal/zero", "not a number from 0 to 15")]
    [InlineData("redis://:secret-pw@cache.internal/0?ssl=true", "takes no query parameters")]
    public void Mistakes_AreNamed_WithoutThePassword(string value, string expected)
    {
        Assert.Null(RedisSettings.TryParse(value, out var problem));
        Assert.Contains(expected, problem, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pw", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServiceWithABadRedisUrl_DoesNotStart_AndSaysWhy()
    {
        var (exitCode, stdout, stderr) = await Processes.RunBuiltAsync(
            "AuthService",
            [],
            environment: new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
                ["REDIS_URL"] = "redis://:secret-pw@cache.internal/99",
            }
        );

        Assert.Equal(78, exitCode);
        Assert.Contains("REDIS_URL names a database that is not a number from 0 to 15.", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pw", stdout + stderr, StringComparison.Ordinal);
    }
}
