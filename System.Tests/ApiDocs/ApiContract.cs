using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace System.Tests.ApiDocs;

/// <summary>
/// The gateway's published API document (<c>/openapi/v1.json</c>, merged from both services), held against what the
/// tests really send and receive: every request to a documented prefix must match an operation; every answer's status
/// must be documented for it and its JSON body must fit the documented schema (no required field missing); and a
/// request the API accepted (2xx) must fit the documented request body (the document requires nothing the API does
/// not). Schemas are checked as JSON Schema 2020-12 (OpenAPI 3.1), by JsonSchema.Net.
/// </summary>
public sealed class ApiContract
{
    private static readonly string[] DocumentedPrefixes = ["/api/", "/.well-known/", "/webhooks/"];
    private static readonly EvaluationOptions Evaluation = new() { EvaluateAs = SpecVersion.Draft202012, OutputFormat = OutputFormat.List };

    private readonly JsonObject _schemas;
    private readonly List<(Regex Path, string Template, JsonObject Operations)> _paths;

    private ApiContract(JsonObject document)
    {
        _schemas = document["components"]?["schemas"]?.AsObject() ?? [];
        _paths = [.. document["paths"]!.AsObject().Select(path => (Template(path.Key), path.Key, path.Value!.AsObject()))];
    }

    public static ApiContract Parse(string json) => new(JsonNode.Parse(json)!.AsObject());

    /// <returns>What in this exchange the document does not describe (empty when it all fits).</returns>
    public IReadOnlyList<string> Check(
        string method,
        string path,
        string? requestContentType,
        string? requestBody,
        HttpStatusCode status,
        string? responseContentType,
        string? responseBody
    )
    {
        if (!DocumentedPrefixes.Any(prefix => path.StartsWith(prefix, StringComparison.Ordinal)))
        {
            return [];
        }

        var what = $"{method} {path} → {(int)status}";
        var operation = _paths
            .Where(p => p.Path.IsMatch(path))
            .OrderByDescending(p => p.Template.Count(c => c == '/') - p.Template.Count(c => c == '{')) // literal segments first
            .Select(p => p.Operations[method.ToLowerInvariant()]?.AsObject())
            .FirstOrDefault(o => o is not null);
        if (operation is null)
        {
            return [$"{what}: no such operation in the document"];
        }

        var problems = new List<string>();
        var code = ((int)status).ToString(CultureInfo.InvariantCulture);
        var response = operation["responses"]?[code] ?? operation["responses"]?["default"];
        if (response is null)
        {
            problems.Add($"{what}: the status is not documented");
        }
        else if (
            IsJson(responseContentType)
            && !string.IsNullOrEmpty(responseBody)
            && SchemaOf(response["content"], responseContentType!) is { } schema
        )
        {
            problems.AddRange(Validate(schema, responseBody).Select(error => $"{what}: response {error}"));
        }

        if ((int)status is >= 200 and < 300 && operation["requestBody"] is { } requestBody2)
        {
            if (string.IsNullOrEmpty(requestBody))
            {
                if (requestBody2["required"]?.GetValue<bool>() == true)
                {
                    problems.Add($"{what}: accepted without a body the document requires");
                }
            }
            else if (IsJson(requestContentType) && SchemaOf(requestBody2["content"], requestContentType!) is { } requestSchema)
            {
                problems.AddRange(Validate(requestSchema, requestBody).Select(error => $"{what}: accepted a request the document refuses: {error}"));
            }
        }

        return problems;
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null && (contentType == "application/json" || contentType.EndsWith("+json", StringComparison.Ordinal));

    private static JsonNode? SchemaOf(JsonNode? content, string contentType) =>
        (content?[contentType] ?? content?["application/json"] ?? content?["application/problem+json"])?["schema"];

    // The operation's schema with the document's components under $defs, so its $refs resolve.
    private IEnumerable<string> Validate(JsonNode schema, string json)
    {
        var composed = JsonNode.Parse(schema.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal))!.AsObject();
        composed["$defs"] = JsonNode.Parse(_schemas.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal));
        JsonNode? instance;
        try
        {
            instance = JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return ["is not JSON"];
        }

        var results = JsonSchema.FromText(composed.ToJsonString()).Evaluate(instance, Evaluation);
        return results.IsValid
            ? []
            : results
                .Details.Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"at {d.InstanceLocation}: {e.Value}"))
                .Distinct();
    }

    private static Regex Template(string template) =>
        new("^" + Regex.Replace(Regex.Escape(template), @"\\\{[^}]+}", "[^/]+") + "/?$", RegexOptions.CultureInvariant);
}
