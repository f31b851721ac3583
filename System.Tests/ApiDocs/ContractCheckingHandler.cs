namespace System.Tests.ApiDocs;

/// <summary>
/// Holds every exchange of a test client to the API document (<see cref="ApiContract"/>): an exchange the document does
/// not describe fails the test at once, naming what does not fit.
/// </summary>
public sealed class ContractCheckingHandler(Func<Task<ApiContract>> contract, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string? requestBody = null;
        if (request.Content is not null)
        {
            await request.Content.LoadIntoBufferAsync(cancellationToken);
            requestBody = await request.Content.ReadAsStringAsync(cancellationToken);
        }

        var response = await base.SendAsync(request, cancellationToken);
        var responseType = response.Content.Headers.ContentType?.MediaType;
        string? responseBody = null;
        if (responseType is not null && (responseType == "application/json" || responseType.EndsWith("+json", StringComparison.Ordinal)))
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            responseBody = await response.Content.ReadAsStringAsync(cancellationToken);
        }

        var problems = (await contract()).Check(
            request.Method.Method,
            request.RequestUri!.AbsolutePath,
            request.Content?.Headers.ContentType?.MediaType,
            requestBody,
            response.StatusCode,
            responseType,
            responseBody
        );
        if (problems.Count > 0)
        {
            response.Dispose();
            throw new InvalidOperationException("The exchange does not fit the published API document:\n  " + string.Join("\n  ", problems));
        }

        return response;
    }
}
