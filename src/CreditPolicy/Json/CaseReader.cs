using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using CreditPolicy.Model;
using CreditPolicy.Model.Contract;
using NodaTime;

namespace CreditPolicy.Json;

/// <summary>Picks the vocabulary a case is read against, from its <c>asOf</c> and the version its account pins.</summary>
internal interface IContractResolver
{
    /// <summary>The one contract every case is read against, when all versions share it; then the case need not be looked at twice.</summary>
    CaseContract? Single { get; }

    /// <summary>The contract of the version that decides a case with this <c>asOf</c> and pin; a best guess (the latest version) when neither decides one.</summary>
    CaseContract Resolve(Instant? asOf, string? pinnedVersion);
}

/// <summary>Reads a case from UTF-8 JSON against a vocabulary: strict input, exact values, every problem reported with its path, line and column.</summary>
/// <remarks>
/// <para>Only RFC 8259 JSON in strict UTF-8 is a case: invalid UTF-8 is refused naming its byte offset (a replacement
/// character would merge two different ids into one); comments, trailing commas, single quotes, unquoted names, leading
/// zeros (<c>010</c>), hexadecimal, NaN and raw control characters are refused by <see cref="Utf8JsonReader"/>'s strict mode;
/// a repeated field is refused; a leading UTF-8 byte-order mark is ignored (RFC 8259 section 8.1 allows either, and every
/// input path treats it the same way).</para>
/// <para>Every field must be declared by the vocabulary of the version that decides the case; values must have the declared
/// type and meet the declared constraints; strings hold no control characters and at most their declared length; amounts
/// are exact decimals. Then the vocabulary's declared checks run. A case with any problem is never constructed.</para>
/// <para>This is the only case reader: files, standard input, NDJSON lines, scenarios, the decision log and HTTP bodies all
/// come through it.</para>
/// </remarks>
internal ref struct CaseReader
{
    private static readonly string[] EnvelopeFields = ["asOf", "account", "grants", "request"];

    /// <summary>How many problems from the declared checks get a line and column. Each is found by scanning the document
    /// from its start, so locating every one of a large case's thousands would take time quadratic in its size.</summary>
    private const int MaxLocatedCheckProblems = 32;

    private static readonly JsonReaderOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        MaxDepth = CaseLimits.MaxDepth,
    };

    private readonly ReadOnlySpan<byte> _input;
    private readonly CaseContract _contract;
    private List<CaseProblem>? _problems;

    private CaseReader(ReadOnlySpan<byte> input, CaseContract contract)
    {
        _input = input;
        _contract = contract;
    }

    /// <summary>Reads one case from UTF-8 bytes.</summary>
    public static CaseReadResult Read(ReadOnlySpan<byte> utf8, IContractResolver contracts)
    {
        ArgumentNullException.ThrowIfNull(contracts);
        if (utf8.Length > CaseLimits.MaxBytes)
        {
            return CaseReadResult.Failure(new CaseProblem("$",
                $"the case is longer than {CaseLimits.MaxBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes; a case is one account snapshot, so leave out grants that are spent and expired"));
        }

        var offset = utf8.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        var body = utf8[offset..];
        if (!Utf8.IsValid(body))
        {
            var at = InvalidUtf8Offset(body);
            var (line, column) = Locate(body, at);
            return CaseReadResult.Failure(new CaseProblem("$",
                $"not valid UTF-8: byte 0x{body[at]:X2} at offset {at + offset} does not begin a valid sequence; a case is UTF-8 JSON (RFC 8259)", line, column));
        }

        var contract = contracts.Single ?? Prescan(body, contracts);
        var reader = new CaseReader(body, contract);
        return reader.ReadDocument();
    }

    /// <summary>Reads one case from text, which must be valid UTF-16 (no lone surrogates).</summary>
    public static CaseReadResult Read(string json, IContractResolver contracts)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json.Length > CaseLimits.MaxBytes)
        {
            return Read(Encoding.UTF8.GetBytes(json.AsSpan(0, CaseLimits.MaxBytes + 1).ToString()), contracts);
        }

        var buffer = new byte[Encoding.UTF8.GetMaxByteCount(json.Length)];
        if (Utf8.FromUtf16(json, buffer, out var read, out var written, replaceInvalidSequences: false) != System.Buffers.OperationStatus.Done)
        {
            return CaseReadResult.Failure(new CaseProblem("$", $"not valid text: a lone surrogate (U+{(int)json[read]:X4}) at character {read + 1}; a case is UTF-8 JSON (RFC 8259)"));
        }

        return Read(buffer.AsSpan(0, written), contracts);
    }

    private static int InvalidUtf8Offset(ReadOnlySpan<byte> bytes)
    {
        Span<char> scratch = stackalloc char[1024];
        var consumed = 0;
        while (consumed < bytes.Length)
        {
            var status = Utf8.ToUtf16(bytes[consumed..], scratch, out var read, out _, replaceInvalidSequences: false, isFinalBlock: true);
            consumed += read;
            if (status is System.Buffers.OperationStatus.InvalidData or System.Buffers.OperationStatus.NeedMoreData) return consumed;
            if (status == System.Buffers.OperationStatus.Done) break;
        }

        return Math.Min(consumed, bytes.Length - 1);
    }

    /// <summary>Finds <c>asOf</c> and <c>account.termsVersion</c> to choose the version whose vocabulary reads the case.</summary>
    private static CaseContract Prescan(ReadOnlySpan<byte> body, IContractResolver contracts)
    {
        Instant? asOf = null;
        string? pinned = null;
        try
        {
            var r = new Utf8JsonReader(body, Options);
            if (r.Read() && r.TokenType == JsonTokenType.StartObject)
            {
                while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                {
                    if (r.ValueTextEquals("asOf"u8))
                    {
                        r.Read();
                        if (TryInstant(ref r, out var at)) asOf = at;
                        else r.Skip();
                    }
                    else if (r.ValueTextEquals("account"u8))
                    {
                        r.Read();
                        if (r.TokenType != JsonTokenType.StartObject)
                        {
                            r.Skip();
                            continue;
                        }

                        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                        {
                            if (r.ValueTextEquals("termsVersion"u8))
                            {
                                r.Read();
                                if (r.TokenType == JsonTokenType.String) pinned = r.GetString();
                                else r.Skip();
                            }
                            else
                            {
                                r.Skip();
                            }
                        }
                    }
                    else
                    {
                        r.Skip();
                    }
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // The main pass reports what is wrong; any vocabulary will do for that.
        }

        return contracts.Resolve(asOf, pinned);
    }

    private CaseReadResult ReadDocument()
    {
        CreditCase? result = null;
        var r = new Utf8JsonReader(_input, Options);
        try
        {
            if (!r.Read())
            {
                return CaseReadResult.Failure(new CaseProblem("$", "the document is empty; expected a JSON object (the case)", 1, 1));
            }

            if (r.TokenType != JsonTokenType.StartObject)
            {
                Problem(r.TokenStartIndex, "$", $"expected a JSON object (the case), got {Describe(ref r)}");
                r.Skip();
            }
            else
            {
                result = ReadEnvelope(ref r);
            }

            if (r.Read())
            {
                Problem(r.TokenStartIndex, "$", "unexpected content after the case object; one case per document");
            }
        }
        catch (JsonException ex)
        {
            var (line, column) = LocateLineByte(ex.LineNumber ?? 0, ex.BytePositionInLine ?? 0);
            Add(new CaseProblem(PathAtError(_input), "not valid JSON: " + ReaderMessage(ex.Message), line, column));
            result = null;
        }

        if (_problems is { Count: > 0 } || result is null)
        {
            return new CaseReadResult(null, _problems ?? [new CaseProblem("$", "not a case")]);
        }

        // The contract's declared checks: cross-field facts every valid case satisfies.
        var checks = _contract.Validate?.Invoke(result) ?? [];
        if (checks.Count > 0)
        {
            var located = new CaseProblem[checks.Count];
            for (var i = 0; i < located.Length; i++) located[i] = i < MaxLocatedCheckProblems ? LocatePath(checks[i]) : checks[i];
            return new CaseReadResult(null, located);
        }

        return CaseReadResult.Success(result);
    }

    private CreditCase? ReadEnvelope(ref Utf8JsonReader r)
    {
        var start = r.TokenStartIndex;
        Instant? asOf = null;
        CaseAccount? account = null;
        List<CaseGrant>? grants = null;
        CaseRequest? request = null;
        var seen = 0;
        var grantsStart = 0L;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var at = r.TokenStartIndex;
            int field;
            if (r.ValueTextEquals("asOf"u8)) field = 1;
            else if (r.ValueTextEquals("account"u8)) field = 2;
            else if (r.ValueTextEquals("grants"u8)) field = 4;
            else if (r.ValueTextEquals("request"u8)) field = 8;
            else if (r.ValueTextEquals("$schema"u8)) field = 16;
            else
            {
                Unknown(ref r, "$", EnvelopeFields);
                continue;
            }

            if ((seen & field) != 0)
            {
                Problem(at, PropertyPath(ref r, "$"), "this field appears more than once; each field may be given once");
                r.Skip();
                continue;
            }

            seen |= field;
            r.Read();
            switch (field)
            {
                case 1:
                    asOf = ReadInstantField(ref r, "asOf", required: true);
                    break;
                case 2:
                    if (r.TokenType == JsonTokenType.StartObject) account = (CaseAccount)ReadObject(ref r, _contract.Account, "account", null);
                    else Expected(ref r, "account", r.TokenType == JsonTokenType.Null ? "required field is missing" : $"expected an object, got {Describe(ref r)}");
                    break;
                case 4:
                    grantsStart = r.TokenStartIndex;
                    grants = ReadGrants(ref r);
                    break;
                case 8:
                    if (r.TokenType == JsonTokenType.StartObject) request = ReadRequest(ref r);
                    else Expected(ref r, "request", r.TokenType == JsonTokenType.Null ? "required field is missing" : $"expected an object, got {Describe(ref r)}");
                    break;
                default:
                    // $schema names the schema editors check against; its value is not part of the case.
                    r.Skip();
                    break;
            }
        }

        if ((seen & 1) == 0) Problem(start, "asOf", "required field is missing");
        if ((seen & 2) == 0) Problem(start, "account", "required field is missing");
        if ((seen & 4) == 0) Problem(start, "grants", "required field is missing (use [] for an account without grants)");
        if ((seen & 8) == 0) Problem(start, "request", "required field is missing");

        if (grants is not null)
        {
            CheckUniqueIds(grants, grantsStart);
            if (request?.TargetGrantId is { } target && !ContainsId(grants, target))
            {
                var field = _contract.Requests[request.Type].GrantRef!;
                Problem(start, "request." + field.Name, $"no grant with id \"{Truncate(target)}\" in grants");
            }
        }

        return _problems is null && asOf is { } a && account is not null && grants is not null && request is not null
            ? new CreditCase(_contract, a, account, grants, request)
            : null;
    }

    private List<CaseGrant>? ReadGrants(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.StartArray)
        {
            Expected(ref r, "grants", r.TokenType == JsonTokenType.Null
                ? "required field is missing (use [] for an account without grants)"
                : $"expected an array of grants, got {Describe(ref r)}");
            return null;
        }

        var grants = new List<CaseGrant>();
        var index = 0;
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            var path = GrantPath(index++);
            if (r.TokenType == JsonTokenType.StartObject)
            {
                grants.Add((CaseGrant)ReadObject(ref r, _contract.Grant, path, null));
            }
            else
            {
                Problem(r.TokenStartIndex, path, $"expected a grant object, got {Describe(ref r)}");
                r.Skip();
            }
        }

        return grants;
    }

    private CaseRequest? ReadRequest(ref Utf8JsonReader r)
    {
        var start = r.TokenStartIndex;

        // The type says which fields the request may have, wherever in the object it is written: look ahead for it.
        var probe = r;
        RequestContract? type = null;
        var typeFound = false;
        while (probe.Read() && probe.TokenType == JsonTokenType.PropertyName)
        {
            if (!probe.ValueTextEquals("type"u8))
            {
                probe.Skip();
                continue;
            }

            typeFound = true;
            probe.Read();
            var at = probe.TokenStartIndex;
            if (probe.TokenType == JsonTokenType.String)
            {
                type = probe.ValueIsEscaped ? FindRequest(probe.GetString()!) : _contract.FindRequest(probe.ValueSpan);
                if (type is null)
                {
                    var text = probe.GetString()!;
                    var near = _contract.RequestTypes.FirstOrDefault(t => Spelling.IsNear(t, text));
                    Problem(at, "request.type", near is null
                        ? $"expected one of {string.Join(", ", _contract.RequestTypes)}, got \"{Truncate(text)}\""
                        : $"expected one of {string.Join(", ", _contract.RequestTypes)}, got \"{Truncate(text)}\"; did you mean '{near}'?");
                }
            }
            else
            {
                Problem(at, "request.type", probe.TokenType == JsonTokenType.Null ? "required field is missing" : $"expected a string, got {Describe(ref probe)}");
            }

            break;
        }

        if (!typeFound) Problem(start, "request.type", "required field is missing");
        if (type is null)
        {
            r.Skip();
            return null;
        }

        var request = (CaseRequest)ReadObject(ref r, type.Fields, "request", type);
        request._type = type.Type;
        return request;
    }

    private RequestContract? FindRequest(string name) => _contract.Requests.GetValueOrDefault(name);

    /// <summary>Reads one object of an entity, from its start to its end; the caller checks the result only when no problem was found.</summary>
    private CaseObject ReadObject(ref Utf8JsonReader r, EntityContract entity, string path, RequestContract? request)
    {
        var start = r.TokenStartIndex;
        var obj = entity.Create();
        ulong seen = 0, given = 0;
        var typeSeen = false;
        var pinSeen = false;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var at = r.TokenStartIndex;
            var attribute = r.ValueIsEscaped ? entity.Find(r.GetString()!) : entity.Find(r.ValueSpan);
            if (attribute is null)
            {
                if (request is not null && r.ValueTextEquals("type"u8))
                {
                    if (typeSeen) Problem(at, "request.type", "this field appears more than once; each field may be given once");
                    typeSeen = true;
                    r.Skip();
                    continue;
                }

                if (entity.Role == EntityRole.Account && r.ValueTextEquals("termsVersion"u8))
                {
                    if (pinSeen) Problem(at, Join(path, "termsVersion"), "this field appears more than once; each field may be given once");
                    pinSeen = true;
                    r.Read();
                    ReadPin(ref r, (CaseAccount)obj, Join(path, "termsVersion"));
                    continue;
                }

                var names = entity.Attributes.Select(a => a.Name);
                if (request is not null) names = names.Prepend("type");
                if (entity.Role == EntityRole.Account) names = names.Append("termsVersion");
                Unknown(ref r, path, names.ToArray(), request is null ? null : $"not a field of a '{request.Type}' request");
                continue;
            }

            var bit = 1UL << attribute.Index;
            if ((given & bit) != 0)
            {
                Problem(at, Join(path, attribute.Name), "this field appears more than once; each field may be given once");
                r.Skip();
                continue;
            }

            given |= bit;
            r.Read();
            if (r.TokenType == JsonTokenType.Null && !attribute.Required) continue; // an optional attribute given as null is absent
            seen |= bit;
            ReadValue(ref r, attribute, obj, Join(path, attribute.Name));
        }

        // Absent attributes: required ones are problems; optional ones take the grant's kind default, else their own.
        var kindDefaults = entity.Role == EntityRole.Grant && obj is CaseGrant g ? _contract.FindKind(g._kind)?.Defaults : null;
        foreach (var attribute in entity.Attributes)
        {
            if ((seen & (1UL << attribute.Index)) != 0) continue;
            if (attribute.Required)
            {
                Problem(start, Join(path, attribute.Name), request is null ? "required field is missing" : $"required for a '{request.Type}' request");
                continue;
            }

            var value = kindDefaults is not null && kindDefaults.TryGetValue(attribute.Name, out var byKind) ? byKind : attribute.Default;
            if (value is not null) Set(attribute, obj, value);
            else if (attribute.Kind == AttributeKind.Set) Set(attribute, obj, StringSet.Empty);
            else if (attribute.Kind == AttributeKind.Object) Set(attribute, obj, attribute.Object!.Absent!);
        }

        return obj;
    }

    private void ReadPin(ref Utf8JsonReader r, CaseAccount account, string path)
    {
        if (r.TokenType == JsonTokenType.Null) return;
        if (r.TokenType != JsonTokenType.String)
        {
            Expected(ref r, path, $"expected a terms version such as \"2026-11-24\", got {Describe(ref r)}");
            return;
        }

        var at = r.TokenStartIndex;
        var text = r.GetString()!;
        if (text.Trim().Length == 0 || text.Length > 64 || text.Any(char.IsControl))
        {
            Problem(at, path, "expected a terms version such as \"2026-11-24\", or no field to use the version in force at asOf");
            return;
        }

        account._termsVersion = text;
    }

    private void ReadValue(ref Utf8JsonReader r, AttributeContract a, CaseObject obj, string path)
    {
        var at = r.TokenStartIndex;
        if (r.TokenType == JsonTokenType.Null)
        {
            Problem(at, path, "required field is missing");
            return;
        }

        switch (a.Kind)
        {
            case AttributeKind.String:
            case AttributeKind.GrantId:
                if (ReadString(ref r, a, path) is { } s)
                {
                    Set(a, obj, s);
                    if (a.Kind == AttributeKind.GrantId && obj is CaseRequest req) req._target = s;
                }

                break;
            case AttributeKind.Enum:
            case AttributeKind.Kind:
                if (ReadEnum(ref r, a, path) is { } e) Set(a, obj, e);
                break;
            case AttributeKind.TimeZone:
                if (ReadString(ref r, a, path) is { } zoneId)
                {
                    if (_contract.TimeZones.Find(zoneId) is { } zone) Set(a, obj, zone.Id);
                    else Problem(at, path, $"expected an IANA time zone id such as \"America/New_York\", got \"{Truncate(zoneId)}\"");
                }

                break;
            case AttributeKind.Decimal:
                if (r.TokenType != JsonTokenType.Number)
                {
                    Expected(ref r, path, $"expected a number (a decimal amount such as 12.50), got {Describe(ref r)}");
                }
                else if (!ValueText.TryParseDecimal(r.ValueSpan, out var d, out var error))
                {
                    Problem(at, path, $"the number {Truncate(Encoding.UTF8.GetString(r.ValueSpan))} {error}");
                }
                else if (Range(a, d) is { } range)
                {
                    Problem(at, path, range);
                }
                else
                {
                    Set(a, obj, d);
                }

                break;
            case AttributeKind.Integer:
                if (r.TokenType != JsonTokenType.Number)
                {
                    Expected(ref r, path, $"expected a whole number, got {Describe(ref r)}");
                }
                else if (r.ValueSpan.IndexOfAny("."u8) >= 0 || r.ValueSpan.IndexOfAny("eE"u8) >= 0 || !r.TryGetInt64(out var l))
                {
                    Problem(at, path, $"expected a whole number without fraction or exponent, within ±9223372036854775807, got {Truncate(Encoding.UTF8.GetString(r.ValueSpan))}");
                }
                else if (Range(a, l) is { } range)
                {
                    Problem(at, path, range);
                }
                else
                {
                    Set(a, obj, l);
                }

                break;
            case AttributeKind.Boolean:
                if (r.TokenType is JsonTokenType.True or JsonTokenType.False) Set(a, obj, r.TokenType == JsonTokenType.True);
                else Expected(ref r, path, $"expected true or false, got {Describe(ref r)}");
                break;
            case AttributeKind.Instant:
                if (ReadInstant(ref r, path) is { } instant) Set(a, obj, instant);
                break;
            case AttributeKind.Date:
                if (r.TokenType == JsonTokenType.String && (r.ValueIsEscaped ? ShortString(ref r) : r.ValueSpan.Length == 10 ? Encoding.UTF8.GetString(r.ValueSpan) : null) is { Length: 10 } dateText
                    && ValueText.TryParseDate(dateText, out var date))
                {
                    Set(a, obj, date);
                }
                else
                {
                    Expected(ref r, path, $"expected an ISO-8601 date such as \"2027-01-01\", got {Describe(ref r)}");
                }

                break;
            case AttributeKind.Set:
                if (ReadSet(ref r, a, path) is { } set) Set(a, obj, set);
                break;
            case AttributeKind.Object:
                if (r.TokenType == JsonTokenType.StartObject) Set(a, obj, ReadObject(ref r, a.Object!, path, null));
                else Expected(ref r, path, $"expected an object, got {Describe(ref r)}");
                break;
        }
    }

    private static void Set(AttributeContract a, CaseObject obj, object value)
    {
        switch (value)
        {
            case string s: ((Action<CaseObject, string>)a.Setter!)(obj, s); break;
            case decimal d:
                if (a.IsNullable) ((Action<CaseObject, decimal?>)a.Setter!)(obj, d);
                else ((Action<CaseObject, decimal>)a.Setter!)(obj, d);
                break;
            case long l:
                if (a.IsNullable) ((Action<CaseObject, long?>)a.Setter!)(obj, l);
                else ((Action<CaseObject, long>)a.Setter!)(obj, l);
                break;
            case bool b:
                if (a.IsNullable) ((Action<CaseObject, bool?>)a.Setter!)(obj, b);
                else ((Action<CaseObject, bool>)a.Setter!)(obj, b);
                break;
            case Instant i:
                if (a.IsNullable) ((Action<CaseObject, Instant?>)a.Setter!)(obj, i);
                else ((Action<CaseObject, Instant>)a.Setter!)(obj, i);
                break;
            case LocalDate date:
                if (a.IsNullable) ((Action<CaseObject, LocalDate?>)a.Setter!)(obj, date);
                else ((Action<CaseObject, LocalDate>)a.Setter!)(obj, date);
                break;
            default:
                ((Action<CaseObject, object>)a.Setter!)(obj, value);
                break;
        }
    }

    private string? ReadString(ref Utf8JsonReader r, AttributeContract a, string path)
    {
        if (r.TokenType != JsonTokenType.String)
        {
            Expected(ref r, path, $"expected a string, got {Describe(ref r)}");
            return null;
        }

        return CheckedString(ref r, a.MaxLength, path);
    }

    private string? CheckedString(ref Utf8JsonReader r, int maxLength, string path)
    {
        var at = r.TokenStartIndex;
        string s;
        try
        {
            s = r.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // An escaped lone surrogate (\ud800) is valid JSON but not text.
            Problem(at, path, "not valid text: an escaped lone surrogate (\\uD800-\\uDFFF without its pair)");
            return null;
        }

        if (s.Length == 0)
        {
            Problem(at, path, "expected a non-empty string");
            return null;
        }

        if (s.Length > maxLength)
        {
            Problem(at, path, $"{s.Length.ToString("N0", CultureInfo.InvariantCulture)} characters, more than the {maxLength.ToString("N0", CultureInfo.InvariantCulture)} this field may hold");
            return null;
        }

        foreach (var ch in s)
        {
            if (char.IsControl(ch))
            {
                Problem(at, path, $"must not contain control characters (found U+{(int)ch:X4})");
                return null;
            }
        }

        return s;
    }

    private string? ReadEnum(ref Utf8JsonReader r, AttributeContract a, string path)
    {
        if (r.TokenType != JsonTokenType.String)
        {
            Expected(ref r, path, $"expected a string, got {Describe(ref r)}");
            return null;
        }

        var values = a.Values!;
        if (!r.ValueIsEscaped)
        {
            // The declared string itself: no allocation, and every case holds the same instance.
            foreach (var v in values)
            {
                if (r.ValueTextEquals(v)) return v;
            }
        }

        var text = CheckedString(ref r, CaseLimits.MaxStringLength, path);
        if (text is null) return null;
        foreach (var v in values)
        {
            if (string.Equals(v, text, StringComparison.Ordinal)) return v;
        }

        var near = values.FirstOrDefault(v => Spelling.IsNear(v, text));
        Problem(r.TokenStartIndex, path, $"expected one of {string.Join(", ", values)}, got \"{Truncate(text)}\"" + (near is null ? "" : $"; did you mean '{near}'?"));
        return null;
    }

    private StringSet? ReadSet(ref Utf8JsonReader r, AttributeContract a, string path)
    {
        if (r.TokenType != JsonTokenType.StartArray)
        {
            Expected(ref r, path, $"expected an array of strings, got {Describe(ref r)}");
            return null;
        }

        var items = new List<string>();
        var ok = true;
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            var itemPath = $"{path}[{items.Count}]";
            if (items.Count >= a.MaxItems)
            {
                Problem(r.TokenStartIndex, path, $"more than the {a.MaxItems.ToString("N0", CultureInfo.InvariantCulture)} elements this set may hold");
                ok = false;
                r.Skip();
                while (r.Read() && r.TokenType != JsonTokenType.EndArray) r.Skip();
                break;
            }

            string? item;
            if (r.TokenType != JsonTokenType.String)
            {
                Expected(ref r, itemPath, $"expected a string, got {Describe(ref r)}");
                item = null;
            }
            else if (a.Values is { } allowed)
            {
                item = ReadEnum(ref r, a, itemPath);
                if (item is not null && !allowed.Contains(item, StringComparer.Ordinal)) item = null;
            }
            else
            {
                item = CheckedString(ref r, a.MaxLength, itemPath);
            }

            if (item is null)
            {
                ok = false;
                items.Add("");
                continue;
            }

            if (items.Contains(item, StringComparer.Ordinal))
            {
                Problem(r.TokenStartIndex, itemPath, $"\"{Truncate(item)}\" appears more than once; a set holds each element once");
                ok = false;
            }

            items.Add(item);
        }

        return ok ? StringSet.Of(items) : null;
    }

    private Instant? ReadInstantField(ref Utf8JsonReader r, string path, bool required)
    {
        if (r.TokenType == JsonTokenType.Null)
        {
            if (required) Problem(r.TokenStartIndex, path, "required field is missing");
            return null;
        }

        return ReadInstant(ref r, path);
    }

    private Instant? ReadInstant(ref Utf8JsonReader r, string path)
    {
        if (TryInstant(ref r, out var instant)) return instant;
        Expected(ref r, path, $"expected an ISO-8601 instant with offset such as \"2026-11-25T10:00:00Z\", got {Describe(ref r)}");
        return null;
    }

    /// <summary>The most bytes an instant or date may take as escaped JSON text; longer is not one.</summary>
    private const int MaxEscapedValueBytes = 256;

    /// <summary>Reads an instant from a JSON string, escaped or not: <c>"2026-11-25T05:00:00\u002B05:00"</c> (how
    /// System.Text.Json writes a '+' by default) is the same text as <c>"2026-11-25T05:00:00+05:00"</c>.</summary>
    private static bool TryInstant(ref Utf8JsonReader r, out Instant instant)
    {
        instant = default;
        if (r.TokenType != JsonTokenType.String) return false;
        if (!r.ValueIsEscaped) return ValueText.TryParseInstant(r.ValueSpan, out instant);
        return ShortString(ref r) is { } text && ValueText.TryParseInstant(text, out instant);
    }

    /// <summary>A short JSON string with its escapes undone; null when it is too long to be an instant or a date, or not valid text.</summary>
    private static string? ShortString(ref Utf8JsonReader r)
    {
        if (r.ValueSpan.Length > MaxEscapedValueBytes) return null;
        try
        {
            return r.GetString();
        }
        catch (InvalidOperationException)
        {
            return null; // an escaped lone surrogate
        }
    }

    private static string? Range(AttributeContract a, decimal value)
    {
        if (a.Minimum is { } min && value < min) return min == 0m ? $"must not be negative, got {ValueText.Format(value)}" : $"must be at least {ValueText.Format(min)}, got {ValueText.Format(value)}";
        if (a.ExclusiveMinimum is { } xmin && value <= xmin) return xmin == 0m ? $"must be greater than zero, got {ValueText.Format(value)}" : $"must be greater than {ValueText.Format(xmin)}, got {ValueText.Format(value)}";
        if (a.Maximum is { } max && value > max) return $"must be at most {ValueText.Format(max)}, got {ValueText.Format(value)}";
        return null;
    }

    private void CheckUniqueIds(List<CaseGrant> grants, long at)
    {
        if (grants.Count < 2) return;
        if (grants.Count <= 16)
        {
            for (var i = 1; i < grants.Count; i++)
            {
                for (var j = 0; j < i; j++)
                {
                    if (string.Equals(grants[i]._id, grants[j]._id, StringComparison.Ordinal))
                    {
                        Problem(at, GrantPath(i) + ".id", $"duplicate grant id \"{Truncate(grants[i]._id)}\"; grant ids must be unique");
                        break;
                    }
                }
            }

            return;
        }

        var ids = new HashSet<string>(grants.Count, StringComparer.Ordinal);
        for (var i = 0; i < grants.Count; i++)
        {
            if (!ids.Add(grants[i]._id)) Problem(at, GrantPath(i) + ".id", $"duplicate grant id \"{Truncate(grants[i]._id)}\"; grant ids must be unique");
        }
    }

    private static bool ContainsId(List<CaseGrant> grants, string id)
    {
        foreach (var g in grants)
        {
            if (string.Equals(g._id, id, StringComparison.Ordinal)) return true;
        }

        return false;
    }

    private void Unknown(ref Utf8JsonReader r, string path, IReadOnlyList<string> known, string? instead = null)
    {
        var at = r.TokenStartIndex;
        var name = r.GetString()!;
        var near = known.FirstOrDefault(n => Spelling.IsNear(n, name));
        Problem(at, Join(path, name), near is not null
            ? $"unknown field; did you mean '{near}'?"
            : instead ?? $"unknown field; expected one of {string.Join(", ", known)}");
        r.Skip();
    }

    private void Expected(ref Utf8JsonReader r, string path, string message)
    {
        Problem(r.TokenStartIndex, path, message);
        if (r.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) r.Skip();
    }

    private void Problem(long byteOffset, string path, string message)
    {
        var (line, column) = Locate(_input, (int)Math.Min(byteOffset, _input.Length));
        Add(new CaseProblem(path, message, line, column));
    }

    private void Add(CaseProblem problem) => (_problems ??= []).Add(problem);

    /// <summary>Gives a problem from a declared check the line and column of the value it names, or of the nearest enclosing one.</summary>
    private CaseProblem LocatePath(CaseProblem problem)
    {
        for (var path = problem.Path; path.Length > 0; path = path[..Math.Max(0, path.LastIndexOfAny(['.', '[']))])
        {
            if (FindPath(_input, path) is { } offset)
            {
                var (line, column) = Locate(_input, (int)offset);
                return problem with { Line = line, Column = column };
            }
        }

        return problem;
    }

    /// <summary>The byte offset of the value at a path such as <c>grants[2].remaining</c>, or null.</summary>
    private static long? FindPath(ReadOnlySpan<byte> input, string path)
    {
        var r = new Utf8JsonReader(input, Options);
        if (!r.Read()) return null;
        var rest = path.AsSpan();
        while (rest.Length > 0)
        {
            if (rest[0] == '[')
            {
                var close = rest.IndexOf(']');
                if (close < 0 || !int.TryParse(rest[1..close], NumberStyles.None, CultureInfo.InvariantCulture, out var index) || r.TokenType != JsonTokenType.StartArray) return null;
                for (var i = 0; ; i++)
                {
                    if (!r.Read() || r.TokenType == JsonTokenType.EndArray) return null;
                    if (i == index) break;
                    r.Skip();
                }

                rest = rest[(close + 1)..];
            }
            else
            {
                if (rest[0] == '.') rest = rest[1..];
                var end = rest.IndexOfAny('.', '[');
                var name = end < 0 ? rest : rest[..end];
                if (r.TokenType != JsonTokenType.StartObject) return null;
                var found = false;
                while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                {
                    if (r.ValueTextEquals(name))
                    {
                        r.Read();
                        found = true;
                        break;
                    }

                    r.Skip();
                }

                if (!found) return null;
                rest = end < 0 ? [] : rest[end..];
            }
        }

        return r.TokenStartIndex;
    }

    /// <summary>1-based line and column (in UTF-16 characters) of a byte offset.</summary>
    private static (int Line, int Column) Locate(ReadOnlySpan<byte> input, int offset)
    {
        offset = Math.Clamp(offset, 0, input.Length);
        var before = input[..offset];
        var line = before.Count((byte)'\n') + 1;
        var lineStart = before.LastIndexOf((byte)'\n') + 1;
        var column = Encoding.UTF8.GetCharCount(before[lineStart..]) + 1;
        return (line, column);
    }

    private (int Line, int Column) LocateLineByte(long line0, long bytePosition)
    {
        var lineStart = 0;
        for (var l = 0L; l < line0 && lineStart < _input.Length; l++)
        {
            var next = _input[lineStart..].IndexOf((byte)'\n');
            if (next < 0) break;
            lineStart += next + 1;
        }

        var end = (int)Math.Min(_input.Length, lineStart + bytePosition);
        return ((int)line0 + 1, Encoding.UTF8.GetCharCount(_input[lineStart..end]) + 1);
    }

    /// <summary>The JSON path at which the document stops being valid JSON, for example <c>grants[0].amount</c>.</summary>
    private static string PathAtError(ReadOnlySpan<byte> input)
    {
        var stack = new List<string>();
        var indexes = new List<int>();
        var r = new Utf8JsonReader(input, Options);
        string? property = null;
        try
        {
            while (r.Read())
            {
                switch (r.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        property = r.GetString();
                        break;
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        stack.Add(Segment(stack.Count, property, indexes));
                        indexes.Add(r.TokenType == JsonTokenType.StartArray ? 0 : -1);
                        property = null;
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        stack.RemoveAt(stack.Count - 1);
                        indexes.RemoveAt(indexes.Count - 1);
                        Advance(indexes);
                        property = null;
                        break;
                    default:
                        Advance(indexes);
                        property = null;
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            var path = string.Concat(stack.Skip(1));
            if (property is not null) path = path.Length == 0 ? property : path + "." + property;
            else if (indexes.Count > 0 && indexes[^1] >= 0) path += $"[{indexes[^1]}]";
            return path.Length == 0 ? "$" : path.TrimStart('.');
        }

        return "$";

        static string Segment(int depth, string? property, List<int> indexes)
        {
            if (depth == 0) return "";
            if (property is not null) return "." + property;
            return indexes[^1] >= 0 ? $"[{indexes[^1]}]" : "";
        }

        static void Advance(List<int> indexes)
        {
            if (indexes.Count > 0 && indexes[^1] >= 0) indexes[^1]++;
        }
    }

    private static string PropertyPath(ref Utf8JsonReader r, string path) => Join(path, r.GetString()!);

    private static string ReaderMessage(string message)
    {
        // System.Text.Json appends " LineNumber: n | BytePositionInLine: m." which is reported separately, in characters.
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd('.', ' ');
    }

    private static string Describe(ref Utf8JsonReader r) => r.TokenType switch
    {
        JsonTokenType.String => $"the string \"{Truncate(SafeString(ref r))}\"",
        JsonTokenType.Number => "the number " + Truncate(Encoding.UTF8.GetString(r.ValueSpan)),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => "null",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.StartObject => "an object",
        _ => r.TokenType.ToString().ToLowerInvariant(),
    };

    private static string SafeString(ref Utf8JsonReader r)
    {
        try
        {
            return r.GetString() ?? "";
        }
        catch (InvalidOperationException)
        {
            return "(not valid text)";
        }
    }

    private static string Join(string path, string name) => path == "$" ? name : path + "." + name;

    private static string GrantPath(int index) => string.Create(CultureInfo.InvariantCulture, $"grants[{index}]");

    internal static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";
}

/// <summary>The result of reading a case: the case, or every problem found.</summary>
/// <param name="Case">The case, when there were no problems.</param>
/// <param name="Problems">Every problem found, in document order; empty on success.</param>
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
