using System.Net;
using System.Text.Json;
using Services.Tests.Infrastructure;

namespace Services.Tests.Commands;

public sealed class KeysCommandTests
{
    [Fact]
    public async Task KeysNewThenRetire_ChangesJwksWithoutRestart_AndRetiredKeysTokensStopWorking()
    {
        await using var host = new AuthHost();
        var before = await host.SignInAsync();
        var oldKid = Jwt.Header(before.AccessToken).GetProperty("kid").GetString()!;
        var environment = new Dictionary<string, string?> { ["JWT_KEYS_DIR"] = host.KeysDirectory };

        var (created, createdOut, _) = await Processes.RunBuiltAsync("AuthService", ["keys", "new", "--now"], environment: environment);
        Assert.Equal(0, created);
        var newKid = createdOut.Split(' ')[0];
        Assert.Equal([oldKid, newKid], await PublishedKidsAsync(host));

        // New tokens are signed with the new key; the old key still verifies until retired.
        var after = await host.SignInAsync();
        Assert.Equal(newKid, Jwt.Header(after.AccessToken).GetProperty("kid").GetString());
        using (var stillValid = await host.SendAsync(HttpMethod.Get, "/api/auth/me", before.AccessToken))
        {
            Assert.Equal(HttpStatusCode.OK, stillValid.StatusCode);
        }

        var (listed, listOut, _) = await Processes.RunBuiltAsync("AuthService", ["keys", "list", "--dir", host.KeysDirectory]);
        Assert.Equal(0, listed);
        Assert.Matches($@"{oldKid}\t\S+ \S+\tpublished", listOut);
        Assert.Matches($@"{newKid}\t\S+ \S+\tactive", listOut);

        var (retired, _, _) = await Processes.RunBuiltAsync("AuthService", ["keys", "retire", oldKid], environment: environment);
        Assert.Equal(0, retired);
        Assert.Equal([newKid], await PublishedKidsAsync(host));
        using var refused = await host.SendAsync(HttpMethod.Get, "/api/auth/me", before.AccessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using var accepted = await host.SendAsync(HttpMethod.Get, "/api/auth/me", after.AccessToken);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task KeysNew_IsPublishedAtOnce_ButSignsOnlyAfterTheActivationDelay_SoNoVerifierMeetsItUnread()
    {
        await using var host = new AuthHost();
        var before = await host.SignInAsync();
        var oldKid = Jwt.Header(before.AccessToken).GetProperty("kid").GetString()!;
        var environment = new Dictionary<string, string?> { ["JWT_KEYS_DIR"] = host.KeysDirectory, ["KEY_ACTIVATION_SECONDS"] = null };

        var (created, createdOut, _) = await Processes.RunBuiltAsync("AuthService", ["keys", "new"], environment: environment);

        Assert.Equal(0, created);
        var newKid = createdOut.Split(' ')[0];
        Assert.Contains("signs new tokens from", createdOut, StringComparison.Ordinal);
        Assert.Equal([oldKid, newKid], await PublishedKidsAsync(host));
        var (_, listOut, _) = await Processes.RunBuiltAsync("AuthService", ["keys", "list", "--dir", host.KeysDirectory]);
        Assert.Matches($@"{oldKid}	\S+ \S+	active", listOut);
        Assert.Matches($@"{newKid}	\S+ \S+	published, signs from \S+ \S+", listOut);
        var meanwhile = await host.SignInAsync();
        Assert.Equal(oldKid, Jwt.Header(meanwhile.AccessToken).GetProperty("kid").GetString());

        // Once the delay (120 s by default) has passed on the service's clock, the new key signs: read from the key's
        // record, with no restart and no second command.
        host.Time.Advance(TimeSpan.FromSeconds(119));
        Assert.Equal(oldKid, Jwt.Header((await host.SignInAsync()).AccessToken).GetProperty("kid").GetString());
        host.Time.Advance(TimeSpan.FromSeconds(30)); // (the service's clock started a moment before the command ran)
        Assert.Equal(newKid, Jwt.Header((await host.SignInAsync()).AccessToken).GetProperty("kid").GetString());
    }

    [Fact]
    public async Task KeysRetire_UnknownKid_FailsWithAMessage()
    {
        using var temporary = TemporaryDirectory.Create("keys-");
        var directory = temporary.Path;
        var (exitCode, _, stderr) = await Processes.RunBuiltAsync("AuthService", ["keys", "retire", "nope", "--dir", directory]);

        Assert.Equal(1, exitCode);
        Assert.Contains("No key nope", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysNew_WritesThePrivateKeyReadableByItsOwnerOnly()
    {
        var directory = Path.Combine(Directory.CreateTempSubdirectory("keys-").FullName, "keys");
        try
        {
            var (exitCode, _, _) = await Processes.RunBuiltAsync("AuthService", ["keys", "new", "--dir", directory]);

            Assert.Equal(0, exitCode);
            var key = Assert.Single(Directory.GetFiles(directory, "*.key.pem"));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(directory)!, recursive: true);
        }
    }

    private static async Task<string[]> PublishedKidsAsync(AuthHost host)
    {
        using var client = host.Client();
        using var json = JsonDocument.Parse(await client.GetStringAsync("/.well-known/jwks.json"));
        return [.. json.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!)];
    }
}
