using System.Security.Cryptography;
using System.Text;

namespace CreditPolicy.Server.Security;

/// <summary>The server's bearer token, compared in constant time: a request's token is hashed and the hashes compared with <see cref="CryptographicOperations.FixedTimeEquals"/>.</summary>
/// <remarks>Hashing first makes the comparison's time independent of the token's length as well as its content.</remarks>
internal sealed class BearerToken
{
    /// <summary>The fewest characters a token may have: a short token can be guessed over the network.</summary>
    public const int MinimumLength = 16;

    private readonly byte[] _hash;

    private BearerToken(string token) => _hash = SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>A token from its text.</summary>
    /// <exception cref="ArgumentException">Thrown when the token is shorter than <see cref="MinimumLength"/> or holds whitespace or control characters.</exception>
    public static BearerToken Of(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (token.Length < MinimumLength) throw new ArgumentException($"the token has {token.Length} characters; it needs at least {MinimumLength} (for example: openssl rand -hex 32)", nameof(token));
        if (token.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))) throw new ArgumentException("the token holds whitespace or control characters; a bearer token is one word", nameof(token));
        return new BearerToken(token);
    }

    /// <summary>Reads a token file: its text, without the line end(s) editors and <c>echo</c> add.</summary>
    /// <exception cref="ArgumentException">Thrown when the file's token is not acceptable (see <see cref="Of"/>).</exception>
    /// <exception cref="IOException">Thrown when the file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">Thrown when the file may not be read.</exception>
    public static string ReadFile(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"no such file: {path}", path);
        if (info.Length > 4096) throw new ArgumentException($"the token file {path} is {info.Length:N0} bytes; a token is one line");
        return File.ReadAllText(path, Encoding.UTF8).TrimEnd('\r', '\n');
    }

    /// <summary>Whether an <c>Authorization</c> header carries this token (<c>Bearer &lt;token&gt;</c>; the scheme is case-insensitive).</summary>
    public bool Accepts(string? authorization)
    {
        const string Scheme = "Bearer ";
        if (authorization is null || authorization.Length <= Scheme.Length || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)) return false;
        Span<byte> presented = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(authorization[Scheme.Length..].Trim()), presented);
        return CryptographicOperations.FixedTimeEquals(presented, _hash);
    }
}
