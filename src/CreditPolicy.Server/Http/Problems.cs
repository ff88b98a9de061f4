using System.Text.Json;
using CreditPolicy.Model;
using Microsoft.AspNetCore.Http;

namespace CreditPolicy.Server.Http;

/// <summary>Problem details (RFC 9457, <c>application/problem+json</c>): every error the server answers, each with a stable <c>type</c>.</summary>
/// <remarks>
/// The body is <c>{"type","title","status","detail"}</c>, plus <c>problems</c> for an invalid case: every problem with its JSON
/// path, message, line and column, as <c>creditpolicy evaluate</c> lists them. No exception text or stack trace is ever written.
/// </remarks>
internal static class Problems
{
    /// <summary>The media type of every error body.</summary>
    public const string ContentType = "application/problem+json";

    // Messages quote names ('use', "grants[0]"); the body is JSON served as JSON, so HTML-sensitive characters need no escaping.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The prefix of every problem type.</summary>
    public const string TypePrefix = "urn:creditpolicy:problem:";

    /// <summary>A case that is not valid against the vocabulary of the version that would decide it (400).</summary>
    public static Task InvalidCase(HttpContext context, IReadOnlyList<CaseProblem> problems) =>
        Write(context, StatusCodes.Status400BadRequest, "invalid-case", "The case is not valid",
            $"The case is not valid ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}); each names its JSON path.",
            w =>
            {
                w.WriteStartArray("problems");
                foreach (var p in problems)
                {
                    w.WriteStartObject();
                    w.WriteString("path", p.Path);
                    w.WriteString("message", p.Message);
                    if (p.Line is { } line) w.WriteNumber("line", line);
                    if (p.Column is { } column) w.WriteNumber("column", column);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            });

    /// <summary>A body over the size limit (413).</summary>
    public static Task TooLarge(HttpContext context, long limit, string what) =>
        Write(context, StatusCodes.Status413PayloadTooLarge, "too-large", "The request body is too large",
            $"{what} is at most {limit:N0} bytes.");

    /// <summary>A body of another media type than the endpoint reads (415).</summary>
    public static Task UnsupportedMediaType(HttpContext context, string expected) =>
        Write(context, StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
            $"Send the body as Content-Type: {expected} (UTF-8).");

    /// <summary>A request without the bearer token, or with another one (401).</summary>
    public static Task Unauthorized(HttpContext context, bool tokenGiven)
    {
        context.Response.Headers.WWWAuthenticate = tokenGiven ? "Bearer error=\"invalid_token\"" : "Bearer";
        return Write(context, StatusCodes.Status401Unauthorized, "unauthorized", "Unauthorized",
            "Send the server's token as Authorization: Bearer <token>.");
    }

    /// <summary>A decision that could not be written to the decision log, and so is not handed out (503).</summary>
    public static Task NotRecorded(HttpContext context) =>
        Write(context, StatusCodes.Status503ServiceUnavailable, "decision-not-recorded", "The decision could not be recorded",
            "The decision log could not be written, so the decision was not handed out; act on no decision for this case. Retry later.");

    /// <summary>Too many batches streaming at once (503, with Retry-After).</summary>
    public static Task TooManyBatches(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "1";
        return Write(context, StatusCodes.Status503ServiceUnavailable, "too-many-batches", "Too many batches at once",
            "The server is streaming as many batches as it allows; retry after a second.");
    }

    /// <summary>A request that took longer than the server allows (408).</summary>
    public static Task TimedOut(HttpContext context) =>
        Write(context, StatusCodes.Status408RequestTimeout, "request-timeout", "The request took too long",
            "The request was not completed within the server's time limit.");

    /// <summary>A failure of the server itself (500); nothing of the exception is written.</summary>
    public static Task Internal(HttpContext context) =>
        Write(context, StatusCodes.Status500InternalServerError, "internal-error", "Internal server error",
            "The server failed to answer. The failure is logged on the server; this response says nothing more about it.");

    /// <summary>Any other error status (404, 405, ...), with the status's reason phrase.</summary>
    public static Task Status(HttpContext context, int status) =>
        Write(context, status, status switch
        {
            StatusCodes.Status404NotFound => "not-found",
            StatusCodes.Status405MethodNotAllowed => "method-not-allowed",
            _ => "status-" + status,
        }, Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status), status switch
        {
            StatusCodes.Status404NotFound => "No such endpoint; GET /openapi/v1.json lists them.",
            StatusCodes.Status405MethodNotAllowed => "The endpoint does not take this method; GET /openapi/v1.json lists them.",
            _ => null,
        });

    /// <summary>Writes a problem as the whole response.</summary>
    public static async Task Write(HttpContext context, int status, string type, string title, string? detail, Action<Utf8JsonWriter>? extensions = null)
    {
        var body = Body(status, type, title, detail, extensions);
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = ContentType;
        response.ContentLength = body.Length;
        // Not RequestAborted: a timed-out request's token is already cancelled, and its 408 must still be written.
        await response.Body.WriteAsync(body, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>A problem's JSON bytes.</summary>
    public static byte[] Body(int status, string type, string title, string? detail, Action<Utf8JsonWriter>? extensions = null)
    {
        using var buffer = new MemoryStream(256);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("type", TypePrefix + type);
            w.WriteString("title", title);
            w.WriteNumber("status", status);
            if (detail is not null) w.WriteString("detail", detail);
            extensions?.Invoke(w);
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
