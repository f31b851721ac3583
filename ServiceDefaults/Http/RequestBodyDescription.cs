using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.OpenApi;

namespace ServiceDefaults.Http;

/// <summary>
/// Describes a request body the handler reads itself (<see cref="JsonBody"/>, a signed form) in the OpenAPI document,
/// without <c>Accepts</c>: that would also make routing refuse other content types before the handler, which
/// answers them itself (its own problem, its own audit).
/// </summary>
public static class RequestBodyDescription
{
    public static TBuilder WithRequestBody<TBuilder>(this TBuilder builder, Type body, string contentType, bool required = true)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer(
            async (operation, context, cancellationToken) =>
            {
                var schema = await context.GetOrCreateSchemaAsync(body, null, cancellationToken);
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = required,
                    Content = new Dictionary<string, OpenApiMediaType> { [contentType] = new OpenApiMediaType { Schema = schema } },
                };
            }
        );
}
