using System.Net;

namespace CreditPolicy.Server.Security;

/// <summary>The addresses of <c>--urls</c>, and whether each is loopback only.</summary>
internal static class ListenAddresses
{
    /// <summary>Splits <c>--urls</c> (separated by <c>;</c>) and checks each is an absolute <c>http://</c> URL with a host and port.</summary>
    /// <returns>Each address as given, and as a URI to check (Kestrel's wildcards <c>*</c> and <c>+</c> read as a host that is not loopback).</returns>
    /// <exception cref="ArgumentException">Thrown when an address is not one, naming it.</exception>
    public static IReadOnlyList<(string Text, Uri Uri)> Parse(string urls)
    {
        ArgumentNullException.ThrowIfNull(urls);
        var parsed = new List<(string, Uri)>();
        foreach (var part in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Kestrel's wildcards (http://*:80, http://+:80) are not URIs; read them as a host that is not loopback.
            var text = part.Replace("://*", "://wildcard.invalid", StringComparison.Ordinal).Replace("://+", "://wildcard.invalid", StringComparison.Ordinal);
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.AbsolutePath != "/" || uri.Query.Length > 0)
            {
                throw new ArgumentException($"'{part}' is not an address to listen on: expected http://HOST:PORT, for example {CreditPolicyServerOptions.DefaultUrls} (TLS belongs to a proxy in front)");
            }

            parsed.Add((part, uri));
        }

        if (parsed.Count == 0) throw new ArgumentException($"no address to listen on: expected http://HOST:PORT, for example {CreditPolicyServerOptions.DefaultUrls}");
        return parsed;
    }

    /// <summary>Whether only this machine can reach the address: <c>localhost</c>, <c>127.0.0.0/8</c> or <c>[::1]</c>.</summary>
    public static bool IsLoopback(Uri address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }
}
