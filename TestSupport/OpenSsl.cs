namespace TestSupport;

/// <summary>Debian's <c>openssl s_client</c> against a local port: what a TLS scanner or a plain client sees.</summary>
public static class OpenSsl
{
    /// <summary>One handshake with the given options; stdout and stderr together (s_client prints the outcome on both).</summary>
    public static Task<string> ClientAsync(int port, params string[] options) => RunAsync(port, standardInput: null, options);

    /// <summary>One request written after the handshake; s_client reads until the server ends the connection.</summary>
    public static Task<string> RequestAsync(int port, string version, string request) => RunAsync(port, request, version, "-ign_eof");

    private static async Task<string> RunAsync(int port, string? standardInput, params string[] options)
    {
        var arguments = new List<string> { "s_client", "-connect", $"127.0.0.1:{port}", "-servername", "localhost" };
        arguments.AddRange(options);
        var (_, stdout, stderr) = await Processes.RunAsync("openssl", arguments, standardInput, timeout: TimeSpan.FromSeconds(20));
        return stdout + stderr;
    }

    /// <summary>
    /// A first handshake that saves its session, then a second that offers it (to the same port, or to
    /// <paramref name="resumeOnPort"/>): the second's output says "Reused" when the server resumed the session, "New"
    /// when it made the client pay a full handshake again. A server that issues neither a session ID nor a ticket
    /// leaves nothing to offer: then the first handshake's output is returned.
    /// </summary>
    public static async Task<string> ResumedHandshakeAsync(int port, string version, int? resumeOnPort = null)
    {
        var session = Path.Combine(Path.GetTempPath(), $"tls-session-{Guid.NewGuid():N}.pem");
        try
        {
            var first = await SaveSessionAsync(port, version, session);
            return File.Exists(session) ? await ResumeAsync(resumeOnPort ?? port, version, session) : first;
        }
        finally
        {
            File.Delete(session);
        }
    }

    /// <summary>
    /// A full handshake and one request, saving the session to <paramref name="sessionFile"/>. TLS 1.3 sends its
    /// tickets after the handshake: s_client sends a request and reads until the gateway closes the connection after
    /// answering, so the tickets are in the saved session.
    /// </summary>
    public static Task<string> SaveSessionAsync(int port, string version, string sessionFile) =>
        RunAsync(port, "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", version, "-sess_out", sessionFile, "-ign_eof");

    /// <summary>A handshake offering a saved session: the output says "Reused" when the server resumed it, "New" otherwise.</summary>
    public static Task<string> ResumeAsync(int port, string version, string sessionFile) => ClientAsync(port, version, "-sess_in", sessionFile);
}
