using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace CreditPolicy.Server.Http;

/// <summary>A request body read whole into a pooled buffer, up to a limit; dispose to return the buffer.</summary>
internal sealed class RequestBody : IDisposable
{
    private const int FirstBuffer = 16 * 1024;

    private byte[]? _buffer;

    private RequestBody(byte[]? buffer, int length, bool tooLarge)
    {
        _buffer = buffer;
        Length = length;
        TooLarge = tooLarge;
    }

    /// <summary>Whether the body was longer than the limit (then nothing of it is kept).</summary>
    public bool TooLarge { get; }

    /// <summary>The body's length in bytes.</summary>
    public int Length { get; }

    /// <summary>The body's bytes.</summary>
    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);

    /// <summary>Reads the body, refusing it unread when its Content-Length is over <paramref name="limit"/>, and reading at most <paramref name="limit"/> + 1 bytes otherwise.</summary>
    /// <exception cref="OperationCanceledException">Thrown when the request is aborted or times out.</exception>
    public static async Task<RequestBody> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } declared && declared > limit) return new RequestBody(null, 0, tooLarge: true);
        var buffer = ArrayPool<byte>.Shared.Rent(request.ContentLength is { } known ? (int)Math.Max(known, 1) : FirstBuffer);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit) break;
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, limit + 1L));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, limit + 1) - length), cancellationToken).ConfigureAwait(false);
                if (read == 0) break;
                length += read;
                if (length > limit) break;
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // Kestrel's own limit, the same as ours, stopped a body without a Content-Length.
            length = limit + 1;
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        if (length > limit)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return new RequestBody(null, 0, tooLarge: true);
        }

        return new RequestBody(buffer, length, tooLarge: false);
    }

    /// <summary>Whether a Content-Type header names one of <paramref name="mediaTypes"/>, with no charset or UTF-8.</summary>
    public static bool IsMediaType(string? contentType, params ReadOnlySpan<string> mediaTypes)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var parsed)) return false;
        var matched = false;
        foreach (var m in mediaTypes) matched |= parsed.MediaType.Equals(m, StringComparison.OrdinalIgnoreCase);
        if (!matched) return false;
        var charset = parsed.Charset;
        return !charset.HasValue || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase);
    }

    public void Dispose()
    {
        if (_buffer is { } buffer) ArrayPool<byte>.Shared.Return(buffer);
        _buffer = null;
    }
}
