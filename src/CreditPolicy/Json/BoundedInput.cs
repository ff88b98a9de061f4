namespace CreditPolicy.Json;

/// <summary>Reads input up to a limit, so an over-long case is refused without reading it whole.</summary>
internal static class BoundedInput
{
    /// <summary>The stream's bytes, or its first <paramref name="limit"/> + 1 bytes when it is longer (enough for the reader to say it is too long).</summary>
    /// <exception cref="IOException">Thrown when the stream cannot be read.</exception>
    public static byte[] Read(Stream stream, int limit)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new byte[Math.Min(limit + 1, 64 * 1024)];
        var n = 0;
        while (n <= limit)
        {
            if (n == buffer.Length) Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, limit + 1L));
            var read = stream.Read(buffer, n, buffer.Length - n);
            if (read == 0) break;
            n += read;
        }

        return n == buffer.Length ? buffer : buffer[..n];
    }
}
