using System.Globalization;
using System.Numerics;
using System.Text;
using CreditPolicy.Model;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using NodaTime;
using NodaTime.Serialization.JsonNet;

namespace CreditPolicy.Json;

/// <summary>Reads cases from JSON text: strict types, decimals never through double, every problem reported with its path.</summary>
/// <remarks>
/// Unknown fields are errors: a misspelt <c>expiresAt</c> must not silently become "no expiry indicated".
/// Instants are ISO-8601 with an offset (<c>2026-11-25T10:00:00Z</c>, <c>2026-11-25T05:00:00-05:00</c>).
/// </remarks>
public static class CaseJson
{
    /// <summary>The deepest nesting accepted; a case is four levels deep.</summary>
    public const int MaxDepth = 32;

    /// <summary>The longest case text accepted, in characters (4 Mi): room for some 30,000 grants, not for a memory attack.</summary>
    public const int MaxLength = 4 * 1024 * 1024;

    /// <summary>The most significant digits an amount may have; more could not be held exactly as a decimal and would be rounded.</summary>
    public const int MaxAmountDigits = 27;

    private static readonly JsonSerializer NodaSerializer =
        JsonSerializer.Create(new JsonSerializerSettings { DateParseHandling = DateParseHandling.None }
            .ConfigureForNodaTime(DateTimeZoneProviders.Tzdb));

    /// <summary>Reads one case from JSON text.</summary>
    public static CaseReadResult Read(string json)
    {
        // Text within the limit is read fast when it is a plain valid case; the walker reads everything else, and words every problem.
        if (json is not null && json.Length <= MaxLength && FastCaseReader.TryRead(json) is { } @case)
        {
            return CaseReadResult.Success(@case);
        }

        return ReadSlow(new StringReader(json!));
    }

    /// <summary>Reads one case from a reader of JSON text, stopping at <see cref="MaxLength"/> characters.</summary>
    public static CaseReadResult Read(TextReader text)
    {
        ArgumentNullException.ThrowIfNull(text);

        // Read no more than one character past the limit, so the text can be read twice: fast, then by the walker if need be.
        // Past the limit the walker stops within those characters, where it stops on the reader itself (for a reader that
        // fills each read, as a file's does).
        var buffer = new StringBuilder();
        var chunk = new char[4096];
        int n;
        while (buffer.Length <= MaxLength && (n = text.Read(chunk, 0, Math.Min(chunk.Length, MaxLength + 1 - buffer.Length))) > 0)
        {
            buffer.Append(chunk, 0, n);
        }

        return Read(buffer.ToString());
    }

    /// <summary>Reads one case with the token walker alone: the path every problem is worded on, kept callable to test the fast path against.</summary>
    internal static CaseReadResult ReadSlow(TextReader text)
    {
        ArgumentNullException.ThrowIfNull(text);
        JToken root;
        using var reader = CreateReader(new LimitedReader(text, MaxLength));
        try
        {
            root = JToken.ReadFrom(reader, new JsonLoadSettings { LineInfoHandling = LineInfoHandling.Load, DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Error });
            if (reader.Read())
            {
                return CaseReadResult.Failure(new CaseProblem("$", "unexpected content after the case object; one case per document", reader.LineNumber, reader.LinePosition));
            }
        }
        catch (JsonReaderException ex) when (ex.Message.StartsWith("Error reading JToken from JsonReader", StringComparison.Ordinal))
        {
            // Json.NET's words for an input that ended before any token: empty, or whitespace only.
            return CaseReadResult.Failure(new CaseProblem("$", "the document is empty; expected a JSON object (the case)", 1, 1));
        }
        catch (JsonReaderException ex)
        {
            // Json.NET reports line 0, position 0 for an error at the very first character.
            return CaseReadResult.Failure(new CaseProblem(string.IsNullOrEmpty(ex.Path) ? "$" : ex.Path, ReaderMessage(ex), Math.Max(1, ex.LineNumber), Math.Max(1, ex.LinePosition)));
        }
        catch (LimitedReader.TooLongException)
        {
            var at = string.IsNullOrEmpty(reader.Path) ? "" : $" (stopped reading at {reader.Path})";
            return CaseReadResult.Failure(new CaseProblem("$",
                $"the case is longer than {MaxLength.ToString("N0", CultureInfo.InvariantCulture)} characters{at}; a case is one account snapshot, so leave out grants that are spent and expired",
                reader.LineNumber, reader.LinePosition));
        }

        return FromToken(root);
    }

    /// <summary>Reads one case from an already parsed token (for example one line of NDJSON).</summary>
    /// <remarks>Parse the token with <see cref="CreateReader"/>: Json.NET's defaults turn instants into dates and decimals into doubles.</remarks>
    public static CaseReadResult FromToken(JToken root)
    {
        var walker = new Walker();
        var @case = walker.ReadCase(root);
        if (walker.Problems.Count == 0 && @case is not null)
        {
            foreach (var problem in CaseValidator.Validate(@case))
            {
                walker.Problems.Add(walker.Locate(root, problem));
            }
        }

        return walker.Problems.Count == 0 && @case is not null
            ? CaseReadResult.Success(@case)
            : new CaseReadResult(null, walker.Problems.ToArray());
    }

    /// <summary>A JSON reader configured as cases need: decimals as decimal, dates as strings, bounded depth.</summary>
    public static JsonTextReader CreateReader(TextReader text) => new(text)
    {
        FloatParseHandling = FloatParseHandling.Decimal,
        DateParseHandling = DateParseHandling.None,
        MaxDepth = MaxDepth,
    };

    /// <summary>The digits of a decimal's coefficient as stored, trailing zeros included (12.50 has 4); 28 or more means the text may have been rounded.</summary>
    private static int Digits(decimal d)
    {
        var bits = decimal.GetBits(d);
        var scale = (bits[3] >> 16) & 0xFF;
        var coefficient = (new BigInteger((uint)bits[2]) << 64) | (new BigInteger((uint)bits[1]) << 32) | (uint)bits[0];
        var digits = coefficient.IsZero ? 1 : coefficient.ToString(CultureInfo.InvariantCulture).Length;
        return Math.Max(digits, scale + 1);
    }

    private static string ReaderMessage(JsonReaderException ex)
    {
        // Json.NET appends "Path '...', line n, position m." which we report separately.
        var message = ex.Message;
        var cut = message.IndexOf(" Path '", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf(", line ", StringComparison.Ordinal);
        message = cut > 0 ? message[..cut] : message;
        return "not valid JSON: " + message.TrimEnd('.', ' ');
    }

    private sealed class Walker
    {
        public List<CaseProblem> Problems { get; } = [];

        public CreditCase? ReadCase(JToken root)
        {
            if (root is not JObject o)
            {
                Problem(root, "$", $"expected a JSON object (the case), got {Describe(root)}");
                return null;
            }

            Known(o, "$", "$schema", "asOf", "account", "grants", "request");
            var asOf = Instant(o, "asOf", "asOf", required: true);
            var account = Object(o, "account", "account", required: true) is { } a ? ReadAccount(a) : null;
            var grants = new List<Grant>();
            if (o["grants"] is JArray arr)
            {
                for (var i = 0; i < arr.Count; i++)
                {
                    var path = $"grants[{i}]";
                    if (arr[i] is JObject g) { if (ReadGrant(g, path) is { } grant) grants.Add(grant); }
                    else Problem(arr[i], path, $"expected a grant object, got {Describe(arr[i])}");
                }
            }
            else if (o["grants"] is { } bad && bad.Type != JTokenType.Null)
            {
                Problem(bad, "grants", $"expected an array of grants, got {Describe(bad)}");
            }
            else if (o["grants"] is null)
            {
                Problem(o, "grants", "required field is missing (use [] for an account without grants)");
            }

            var request = Object(o, "request", "request", required: true) is { } r ? ReadRequest(r) : null;
            return asOf is { } at && account is not null && request is not null && Problems.Count == 0
                ? new CreditCase(at, account, grants, request)
                : null;
        }

        private Account? ReadAccount(JObject o)
        {
            Known(o, "account", "id", "status", "closedAt", "timeZone", "balanceMaintenance", "termsVersion");
            var id = String(o, "id", "account.id", required: true);
            var status = Enum(o, "status", "account.status", AccountStatuses.All, required: true);
            var closedAt = Instant(o, "closedAt", "account.closedAt", required: false);
            var zone = String(o, "timeZone", "account.timeZone", required: false) ?? "Etc/UTC";
            var termsVersion = String(o, "termsVersion", "account.termsVersion", required: false);
            BalanceMaintenance? bm = null;
            if (Object(o, "balanceMaintenance", "account.balanceMaintenance", required: false) is { } m)
            {
                Known(m, "account.balanceMaintenance", "enabled", "threshold", "reloadAmount", "paymentMethodOnFile", "optedOutAt", "pendingReloadAmount");
                var enabled = Bool(m, "enabled", "account.balanceMaintenance.enabled", required: true);
                var threshold = Decimal(m, "threshold", "account.balanceMaintenance.threshold", required: true);
                var reload = Decimal(m, "reloadAmount", "account.balanceMaintenance.reloadAmount", required: true);
                var onFile = Bool(m, "paymentMethodOnFile", "account.balanceMaintenance.paymentMethodOnFile", required: false) ?? false;
                var optedOut = Instant(m, "optedOutAt", "account.balanceMaintenance.optedOutAt", required: false);
                var pending = Decimal(m, "pendingReloadAmount", "account.balanceMaintenance.pendingReloadAmount", required: false) ?? 0m;
                if (enabled is { } e && threshold is { } t && reload is { } ra)
                {
                    bm = new BalanceMaintenance(e, t, ra, onFile, optedOut, pending);
                }
            }

            return id is null || status is null ? null : new Account(id, status, closedAt, zone, bm, termsVersion);
        }

        private Grant? ReadGrant(JObject o, string path)
        {
            Known(o, path, "id", "kind", "holderAccountId", "amount", "remaining", "issuedAt", "confirmedAt", "expiresAt", "source");
            var id = String(o, "id", path + ".id", required: true);
            var kind = Enum(o, "kind", path + ".kind", GrantKinds.All, required: true);
            var holder = String(o, "holderAccountId", path + ".holderAccountId", required: true);
            var amount = Decimal(o, "amount", path + ".amount", required: true);
            var remaining = Decimal(o, "remaining", path + ".remaining", required: true);
            var issuedAt = Instant(o, "issuedAt", path + ".issuedAt", required: true);
            var confirmedAt = Instant(o, "confirmedAt", path + ".confirmedAt", required: false);
            var expiresAt = Instant(o, "expiresAt", path + ".expiresAt", required: false);
            var source = Enum(o, "source", path + ".source", GrantSources.All, required: false)
                ?? (kind == GrantKinds.Promotional ? GrantSources.Promotion : GrantSources.Purchase);
            return id is null || kind is null || holder is null || amount is null || remaining is null || issuedAt is null
                ? null
                : new Grant(id, kind, holder, amount.Value, remaining.Value, issuedAt.Value, confirmedAt, expiresAt, source);
        }

        private CreditRequest? ReadRequest(JObject o)
        {
            Known(o, "request", "type", "amount", "requestedBy", "grantId", "toAccountId", "until");
            var type = Enum(o, "type", "request.type", RequestTypes.All, required: true);
            var amount = Decimal(o, "amount", "request.amount", required: false);
            var requestedBy = String(o, "requestedBy", "request.requestedBy", required: false);
            var grantId = String(o, "grantId", "request.grantId", required: false);
            var to = String(o, "toAccountId", "request.toAccountId", required: false);
            var until = Instant(o, "until", "request.until", required: false);
            return type is null ? null : new CreditRequest(type, amount, requestedBy, grantId, to, until);
        }

        private void Known(JObject o, string path, params string[] names)
        {
            foreach (var p in o.Properties())
            {
                if (Array.IndexOf(names, p.Name) >= 0) continue;
                var near = names.FirstOrDefault(n => n != "$schema" && Spelling.IsNear(n, p.Name));
                Problem(p, Join(path, p.Name), near is null
                    ? $"unknown field; expected one of {string.Join(", ", names.Where(n => n != "$schema"))}"
                    : $"unknown field; did you mean '{near}'?");
            }
        }

        private JObject? Object(JObject o, string name, string path, bool required)
        {
            var t = Present(o, name, path, required);
            if (t is null) return null;
            if (t is JObject obj) return obj;
            Problem(t, path, $"expected an object, got {Describe(t)}");
            return null;
        }

        private string? String(JObject o, string name, string path, bool required)
        {
            var t = Present(o, name, path, required);
            if (t is null) return null;
            if (t.Type != JTokenType.String)
            {
                Problem(t, path, $"expected a string, got {Describe(t)}");
                return null;
            }

            var s = (string)t!;
            if (s.Length == 0)
            {
                Problem(t, path, "expected a non-empty string");
                return null;
            }

            return s;
        }

        private string? Enum(JObject o, string name, string path, IReadOnlyList<string> allowed, bool required)
        {
            var s = String(o, name, path, required);
            if (s is null || allowed.Contains(s, StringComparer.Ordinal)) return s;
            Problem(o[name]!, path, $"expected one of {string.Join(", ", allowed)}, got \"{Truncate(s)}\"");
            return null;
        }

        private bool? Bool(JObject o, string name, string path, bool required)
        {
            var t = Present(o, name, path, required);
            if (t is null) return null;
            if (t.Type == JTokenType.Boolean) return (bool)t;
            Problem(t, path, $"expected true or false, got {Describe(t)}");
            return null;
        }

        private decimal? Decimal(JObject o, string name, string path, bool required)
        {
            var t = Present(o, name, path, required);
            if (t is null) return null;
            switch (t)
            {
                case JValue { Value: decimal d } when Digits(d) > MaxAmountDigits:
                    // The reader already rounded it: more digits than a decimal holds would silently become another amount.
                    Problem(t, path, $"has more significant digits than an amount may have ({MaxAmountDigits}); it cannot be held exactly");
                    return null;
                case JValue { Value: decimal d }:
                    return d;
                case JValue { Value: long l }:
                    return l;
                case JValue { Value: BigInteger b } when b >= new BigInteger(decimal.MinValue) && b <= new BigInteger(decimal.MaxValue):
                    return (decimal)b;
                case JValue { Value: BigInteger }:
                    Problem(t, path, "number is out of range for a decimal amount");
                    return null;
                default:
                    Problem(t, path, $"expected a number (a decimal amount such as 12.50), got {Describe(t)}");
                    return null;
            }
        }

        private Instant? Instant(JObject o, string name, string path, bool required)
        {
            var t = Present(o, name, path, required);
            if (t is null) return null;
            if (t.Type == JTokenType.String)
            {
                try
                {
                    return t.ToObject<OffsetDateTime>(NodaSerializer).ToInstant();
                }
                catch (Exception ex) when (ex is JsonException or FormatException or OverflowException or ArgumentOutOfRangeException or NodaTime.Text.UnparsableValueException or NodaTime.Utility.InvalidNodaDataException)
                {
                    // Fall through to the message below; the converter's own text names pattern internals.
                }
            }

            Problem(t, path, $"expected an ISO-8601 instant with offset such as \"2026-11-25T10:00:00Z\", got {Describe(t)}");
            return null;
        }

        private JToken? Present(JObject o, string name, string path, bool required)
        {
            var t = o[name];
            if (t is null || t.Type == JTokenType.Null)
            {
                if (required) Problem(t ?? o, path, "required field is missing");
                return null;
            }

            return t;
        }

        private void Problem(JToken at, string path, string message)
        {
            var info = (IJsonLineInfo)at;
            Problems.Add(info.HasLineInfo() ? new CaseProblem(path, message, info.LineNumber, info.LinePosition) : new CaseProblem(path, message));
        }

        public CaseProblem Locate(JToken root, CaseProblem problem)
        {
            // A field that is missing has no place of its own: point at the object that lacks it.
            for (var path = problem.Path; path.Length > 0; path = path[..Math.Max(0, path.LastIndexOfAny(['.', '[']))])
            {
                if (root.SelectToken(path, errorWhenNoMatch: false) is IJsonLineInfo info && info.HasLineInfo())
                {
                    return problem with { Line = info.LineNumber, Column = info.LinePosition };
                }
            }

            return problem;
        }

        private static string Join(string path, string name) => path == "$" ? name : path + "." + name;

        private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";

        private static string Describe(JToken t) => t.Type switch
        {
            JTokenType.String => $"the string \"{Truncate((string)t!)}\"",
            JTokenType.Integer or JTokenType.Float => "the number " + Truncate(Convert.ToString(((JValue)t).Value, CultureInfo.InvariantCulture) ?? ""),
            JTokenType.Boolean => (bool)t ? "true" : "false",
            JTokenType.Array => "an array",
            JTokenType.Object => "an object",
            JTokenType.Null => "null",
            _ => t.Type.ToString().ToLowerInvariant(),
        };
    }
}

/// <summary>The result of reading a case: the case, or every problem found.</summary>
/// <param name="Case">The case, when there were no problems.</param>
/// <param name="Problems">Every problem found; empty on success.</param>
public sealed record CaseReadResult(CreditCase? Case, IReadOnlyList<CaseProblem> Problems)
{
    /// <summary>Whether the case was read without problems.</summary>
    public bool IsValid => Case is not null && Problems.Count == 0;

    /// <summary>Returns the case, or throws <see cref="InvalidCaseException"/> naming <paramref name="source"/>.</summary>
    /// <exception cref="InvalidCaseException">Thrown when the case had problems.</exception>
    public CreditCase GetCaseOrThrow(string source) =>
        IsValid ? Case! : throw new InvalidCaseException(source, Problems);

    internal static CaseReadResult Success(CreditCase c) => new(c, []);

    internal static CaseReadResult Failure(CaseProblem p) => new(null, [p]);
}

/// <summary>A reader that stops with <see cref="TooLongException"/> once more than a number of characters were read.</summary>
internal sealed class LimitedReader(TextReader inner, int limit) : TextReader
{
    private long _read;

    public override int Peek() => inner.Peek();

    public override int Read()
    {
        var c = inner.Read();
        if (c >= 0) Count(1);
        return c;
    }

    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    public override int Read(Span<char> buffer)
    {
        var n = inner.Read(buffer);
        Count(n);
        return n;
    }

    private void Count(int n)
    {
        _read += n;
        if (_read > limit) throw new TooLongException();
    }

    /// <summary>Thrown when the text is longer than the limit.</summary>
    internal sealed class TooLongException : Exception;
}
