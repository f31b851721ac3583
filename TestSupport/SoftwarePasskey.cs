using System.Buffers.Binary;
using System.Buffers.Text;
using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TestSupport;

/// <summary>
/// A passkey in software: an ES256 key answering WebAuthn options as a browser's <c>credential.toJSON()</c> writes
/// them ("none" attestation), with every field a test may want wrong: the origin, the relying party, user
/// verification, the counter.
/// </summary>
public sealed class SoftwarePasskey : IDisposable
{
    private const byte UserPresent = 0x01;
    private const byte UserVerified = 0x04;
    private const byte AttestedData = 0x40;

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public byte[] CredentialId { get; } = RandomNumberGenerator.GetBytes(16);
    public string Id => Base64Url.EncodeToString(CredentialId);
    public byte[] UserHandle { get; set; } = [];
    public uint Counter { get; set; }

    /// <summary>Answers <c>navigator.credentials.create</c>'s options.</summary>
    public JsonObject Create(JsonElement options, string origin = Origin, string rpId = RpId, bool verified = true)
    {
        UserHandle = Base64Url.DecodeFromChars(options.GetProperty("user").GetProperty("id").GetString());
        var clientData = ClientData("webauthn.create", options, origin);
        var parameters = _key.ExportParameters(false);
        var cose = new CborWriter(CborConformanceMode.Lax);
        cose.WriteStartMap(5);
        cose.WriteInt32(1);
        cose.WriteInt32(2); // EC2
        cose.WriteInt32(3);
        cose.WriteInt32(-7); // ES256
        cose.WriteInt32(-1);
        cose.WriteInt32(1); // P-256
        cose.WriteInt32(-2);
        cose.WriteByteString(parameters.Q.X!);
        cose.WriteInt32(-3);
        cose.WriteByteString(parameters.Q.Y!);
        cose.WriteEndMap();
        var idLength = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(idLength, (ushort)CredentialId.Length);
        byte[] attested = [.. new byte[16], .. idLength, .. CredentialId, .. cose.Encode()];
        var authenticatorData = AuthenticatorData(rpId, (byte)(UserPresent | AttestedData | (verified ? UserVerified : 0)), attested);

        var attestation = new CborWriter(CborConformanceMode.Lax);
        attestation.WriteStartMap(3);
        attestation.WriteTextString("fmt");
        attestation.WriteTextString("none");
        attestation.WriteTextString("attStmt");
        attestation.WriteStartMap(0);
        attestation.WriteEndMap();
        attestation.WriteTextString("authData");
        attestation.WriteByteString(authenticatorData);
        attestation.WriteEndMap();
        return Credential(
            new JsonObject
            {
                ["clientDataJSON"] = Base64Url.EncodeToString(clientData),
                ["attestationObject"] = Base64Url.EncodeToString(attestation.Encode()),
                ["transports"] = new JsonArray("internal"),
            }
        );
    }

    /// <summary>Answers <c>navigator.credentials.get</c>'s options; the counter goes up by one unless given.</summary>
    public JsonObject Get(JsonElement options, string origin = Origin, string rpId = RpId, bool verified = true, uint? counter = null)
    {
        Counter = counter ?? Counter + 1;
        var clientData = ClientData("webauthn.get", options, origin);
        var authenticatorData = AuthenticatorData(rpId, (byte)(UserPresent | (verified ? UserVerified : 0)), []);
        var signature = _key.SignData(
            [.. authenticatorData, .. SHA256.HashData(clientData)],
            HashAlgorithmName.SHA256,
            DSASignatureFormat.Rfc3279DerSequence
        );
        return Credential(
            new JsonObject
            {
                ["clientDataJSON"] = Base64Url.EncodeToString(clientData),
                ["authenticatorData"] = Base64Url.EncodeToString(authenticatorData),
                ["signature"] = Base64Url.EncodeToString(signature),
                ["userHandle"] = Base64Url.EncodeToString(UserHandle),
            }
        );
    }

    /// <summary>PUBLIC_BASE_URL's Development default, where the AuthService's in-memory tests run.</summary>
    public const string Origin = "https://localhost:4000";
    public const string RpId = "localhost";

    private static byte[] ClientData(string type, JsonElement options, string origin) =>
        Encoding.UTF8.GetBytes(
            new JsonObject
            {
                ["type"] = type,
                ["challenge"] = options.GetProperty("challenge").GetString(),
                ["origin"] = origin,
                ["crossOrigin"] = false,
            }.ToJsonString()
        );

    private byte[] AuthenticatorData(string rpId, byte flags, byte[] attested)
    {
        var counter = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(counter, Counter);
        return [.. SHA256.HashData(Encoding.UTF8.GetBytes(rpId)), flags, .. counter, .. attested];
    }

    private JsonObject Credential(JsonObject response) =>
        new()
        {
            ["id"] = Id,
            ["rawId"] = Id,
            ["type"] = "public-key",
            ["response"] = response,
            ["clientExtensionResults"] = new JsonObject(),
            ["authenticatorAttachment"] = "platform",
        };

    public void Dispose() => _key.Dispose();
}
