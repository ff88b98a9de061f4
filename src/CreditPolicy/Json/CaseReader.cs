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

    private static readonly JsonReaderOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        MaxDepth = CaseLimits.MaxDepth,
    };

    private readonly ReadOnlySpan<byte> _input;
    private readonly CaseContract _contract;
    private List<CaseProblem>? _problems;

    // The last offset located, its line, the offset its line starts at and its column: problems come mostly in document
    // order, so each is located from the last one, and a case with a problem per grant costs one pass, not one per problem.
    private int _locatedOffset;
    private int _locatedLine;
    private int _locatedLineStart;
    private int _locatedColumn;

    private CaseReader(ReadOnlySpan<byte> input, CaseContract contract)
    {
        _input = input;
        _contract = contract;
        _locatedLine = _locatedColumn = 1;
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
                        if (r.TokenType == JsonTokenType.String && TryInstant(ref r, out var at)) asOf = at;
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
        if (_input.Trim(" \t\r\n"u8).IsEmpty)
        {
            return CaseReadResult.Failure(new CaseProblem("$", "the document is empty; expected a JSON object (the case)", 1, 1));
        }

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
        catch (InvalidOperationException)
        {
            // Only escapes that are not text throw here (every string read above is checked); a problem, never a crash.
            Problem(r.TokenStartIndex, "$", LoneSurrogate);
            result = null;
        }

        if (_problems is { Count: > 0 } || result is null)
        {
            return new CaseReadResult(null, _problems ?? [new CaseProblem("$", "not a case")]);
        }

        // The contract's declared checks: cross-field facts every valid case satisfies.
        var checks = _contract.Validate?.Invoke(result) ?? [];
        if (checks.Count > 0) return new CaseReadResult(null, LocatePaths(checks));

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
        List<long>? grantStarts = null;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (!NameIsText(ref r, "$")) continue;
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
                    grants = ReadGrants(ref r, out grantStarts);
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
            CheckUniqueIds(grants, grantStarts!);
            if (request?.TargetGrantId is { } target && !ContainsId(grants, target))
            {
                var field = _contract.Requests[request.Type].GrantRef!;
                Add(LocatePaths([new CaseProblem("request." + field.Name, $"no grant with id \"{Truncate(target)}\" in grants")])[0]);
            }
        }

        return _problems is null && asOf is { } a && account is not null && grants is not null && request is not null
            ? new CreditCase(_contract, a, account, grants, request)
            : null;
    }

    private List<CaseGrant>? ReadGrants(ref Utf8JsonReader r, out List<long> starts)
    {
        starts = [];
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
            var path = new JsonPath("grants", index++, null);
            if (r.TokenType == JsonTokenType.StartObject)
            {
                starts.Add(r.TokenStartIndex);
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
            // A field name that is not text is reported when the object itself is read.
            if ((probe.ValueIsEscaped && TextOrNull(ref probe) is null) || !probe.ValueTextEquals("type"u8))
            {
                probe.Skip();
                continue;
            }

            typeFound = true;
            probe.Read();
            var at = probe.TokenStartIndex;
            string? escaped = null;
            if (probe.TokenType == JsonTokenType.String && probe.ValueIsEscaped && (escaped = TextOrNull(ref probe)) is null)
            {
                Problem(at, "request.type", LoneSurrogate);
            }
            else if (probe.TokenType == JsonTokenType.String)
            {
                type = escaped is not null ? FindRequest(escaped) : _contract.FindRequest(probe.ValueSpan);
                if (type is null)
                {
                    var text = escaped ?? probe.GetString()!;
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
    private CaseObject ReadObject(ref Utf8JsonReader r, EntityContract entity, JsonPath path, RequestContract? request)
    {
        var start = r.TokenStartIndex;
        var obj = entity.Create();
        ulong seen = 0, given = 0;
        var typeSeen = false;
        var pinSeen = false;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (!NameIsText(ref r, path)) continue;
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
                    if (pinSeen) Problem(at, path.Then("termsVersion"), "this field appears more than once; each field may be given once");
                    pinSeen = true;
                    r.Read();
                    ReadPin(ref r, (CaseAccount)obj, path.Then("termsVersion"));
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
                Problem(at, path.Then(attribute.Name), "this field appears more than once; each field may be given once");
                r.Skip();
                continue;
            }

            given |= bit;
            r.Read();
            if (r.TokenType == JsonTokenType.Null && !attribute.Required) continue; // an optional attribute given as null is absent
            seen |= bit;
            ReadValue(ref r, attribute, obj, path.Then(attribute.Name));
        }

        // Absent attributes: required ones are problems; optional ones take the grant's kind default, else their own.
        var kindDefaults = entity.Role == EntityRole.Grant && obj is CaseGrant g ? _contract.FindKind(g._kind)?.Defaults : null;
        foreach (var attribute in entity.Attributes)
        {
            if ((seen & (1UL << attribute.Index)) != 0) continue;
            if (attribute.Required)
            {
                Problem(start, path.Then(attribute.Name), request is null ? "required field is missing" : $"required for a '{request.Type}' request");
                continue;
            }

            var value = kindDefaults is not null && kindDefaults.TryGetValue(attribute.Name, out var byKind) ? byKind : attribute.Default;
            if (value is not null) Set(attribute, obj, value);
            else if (attribute.Kind == AttributeKind.Set) Set(attribute, obj, StringSet.Empty);
            else if (attribute.Kind == AttributeKind.Object) Set(attribute, obj, attribute.Object!.Absent!);
        }

        return obj;
    }

    private void ReadPin(ref Utf8JsonReader r, CaseAccount account, JsonPath path)
    {
        if (r.TokenType == JsonTokenType.Null) return;
        if (r.TokenType != JsonTokenType.String)
        {
            Expected(ref r, path, $"expected a terms version such as \"2026-11-24\", got {Describe(ref r)}");
            return;
        }

        var at = r.TokenStartIndex;
        if (TextOrNull(ref r) is not { } text)
        {
            Problem(at, path, LoneSurrogate);
            return;
        }

        if (text.Trim().Length == 0 || text.Length > 64 || text.Any(char.IsControl))
        {
            Problem(at, path, "expected a terms version such as \"2026-11-24\", or no field to use the version in force at asOf");
            return;
        }

        account._termsVersion = text;
    }

    private void ReadValue(ref Utf8JsonReader r, AttributeContract a, CaseObject obj, JsonPath path)
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
                    SetString(a, obj, s);
                    if (a.Kind == AttributeKind.GrantId && obj is CaseRequest req) req._target = s;
                }

                break;
            case AttributeKind.Enum:
            case AttributeKind.Kind:
                if (ReadEnum(ref r, a, path) is { } e) SetString(a, obj, e);
                break;
            case AttributeKind.TimeZone:
                if (ReadString(ref r, a, path) is { } zoneId)
                {
                    if (_contract.TimeZones.Find(zoneId) is { } zone) SetString(a, obj, zone.Id);
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
                    SetValue(a, obj, d);
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
                    SetValue(a, obj, l);
                }

                break;
            case AttributeKind.Boolean:
                if (r.TokenType is JsonTokenType.True or JsonTokenType.False) SetValue(a, obj, r.TokenType == JsonTokenType.True);
                else Expected(ref r, path, $"expected true or false, got {Describe(ref r)}");
                break;
            case AttributeKind.Instant:
                if (ReadInstant(ref r, path) is { } instant) SetValue(a, obj, instant);
                break;
            case AttributeKind.Date:
                if (r.TokenType == JsonTokenType.String && r.ValueSpan.Length <= 64
                    && TextOrNull(ref r) is { Length: 10 } dateText && ValueText.TryParseDate(dateText, out var date))
                {
                    SetValue(a, obj, date);
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

    private static void SetString(AttributeContract a, CaseObject obj, string value) => ((Action<CaseObject, string>)a.Setter!)(obj, value);

    /// <summary>Sets a value-typed attribute through its typed setter: no boxing on the way to the field.</summary>
    private static void SetValue<T>(AttributeContract a, CaseObject obj, T value)
        where T : struct
    {
        if (a.IsNullable) ((Action<CaseObject, T?>)a.Setter!)(obj, value);
        else ((Action<CaseObject, T>)a.Setter!)(obj, value);
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

    private string? ReadString(ref Utf8JsonReader r, AttributeContract a, JsonPath path)
    {
        if (r.TokenType != JsonTokenType.String)
        {
            Expected(ref r, path, $"expected a string, got {Describe(ref r)}");
            return null;
        }

        return CheckedString(ref r, a.MaxLength, path);
    }

    private string? CheckedString(ref Utf8JsonReader r, int maxLength, JsonPath path)
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
            Problem(at, path, LoneSurrogate);
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

    private string? ReadEnum(ref Utf8JsonReader r, AttributeContract a, JsonPath path)
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
            var utf8 = a.Utf8Values;
            var span = r.ValueSpan;
            for (var i = 0; i < utf8.Length; i++)
            {
                if (span.SequenceEqual(utf8[i])) return values[i];
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

    private StringSet? ReadSet(ref Utf8JsonReader r, AttributeContract a, JsonPath path)
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
            var itemPath = path.Item(items.Count);
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

    private Instant? ReadInstantField(ref Utf8JsonReader r, JsonPath path, bool required)
    {
        if (r.TokenType == JsonTokenType.Null)
        {
            if (required) Problem(r.TokenStartIndex, path, "required field is missing");
            return null;
        }

        return ReadInstant(ref r, path);
    }

    private Instant? ReadInstant(ref Utf8JsonReader r, JsonPath path)
    {
        if (r.TokenType == JsonTokenType.String && TryInstant(ref r, out var instant)) return instant;
        Expected(ref r, path, $"expected an ISO-8601 instant with offset such as \"2026-11-25T10:00:00Z\", got {Describe(ref r)}");
        return null;
    }

    private static string? Range(AttributeContract a, decimal value)
    {
        if (a.Minimum is { } min && value < min) return min == 0m ? $"must not be negative, got {ValueText.Format(value)}" : $"must be at least {ValueText.Format(min)}, got {ValueText.Format(value)}";
        if (a.ExclusiveMinimum is { } xmin && value <= xmin) return xmin == 0m ? $"must be greater than zero, got {ValueText.Format(value)}" : $"must be greater than {ValueText.Format(xmin)}, got {ValueText.Format(value)}";
        if (a.Maximum is { } max && value > max) return $"must be at most {ValueText.Format(max)}, got {ValueText.Format(value)}";
        return null;
    }

    /// <summary>Reports every grant whose id an earlier grant has, at the start of that grant (<paramref name="starts"/>: each grant's byte offset).</summary>
    private void CheckUniqueIds(List<CaseGrant> grants, List<long> starts)
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
                        Problem(starts[i], new JsonPath("grants", i, "id"), $"duplicate grant id \"{Truncate(grants[i]._id)}\"; grant ids must be unique");
                        break;
                    }
                }
            }

            return;
        }

        var ids = new HashSet<string>(grants.Count, StringComparer.Ordinal);
        for (var i = 0; i < grants.Count; i++)
        {
            if (!ids.Add(grants[i]._id)) Problem(starts[i], new JsonPath("grants", i, "id"), $"duplicate grant id \"{Truncate(grants[i]._id)}\"; grant ids must be unique");
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

    private void Unknown(ref Utf8JsonReader r, JsonPath path, IReadOnlyList<string> known, string? instead = null)
    {
        var at = r.TokenStartIndex;
        var name = r.GetString()!;
        var near = known.FirstOrDefault(n => Spelling.IsNear(n, name));
        Problem(at, path.Then(name), near is not null
            ? $"unknown field; did you mean '{near}'?"
            : instead ?? $"unknown field; expected one of {string.Join(", ", known)}");
        r.Skip();
    }

    private void Expected(ref Utf8JsonReader r, JsonPath path, string message)
    {
        Problem(r.TokenStartIndex, path, message);
        if (r.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) r.Skip();
    }

    private void Problem(long byteOffset, JsonPath where, string message)
    {
        var path = where.ToString();
        var (line, column) = LocateInInput((int)Math.Min(byteOffset, _input.Length));
        Add(new CaseProblem(path, message, line, column));
    }

    /// <summary>1-based line and column (in UTF-16 characters) of a byte offset of the input, counted on from the last offset located when it is not before it.</summary>
    private (int Line, int Column) LocateInInput(int offset)
    {
        offset = Math.Clamp(offset, 0, _input.Length);
        if (offset < _locatedOffset) (_locatedOffset, _locatedLine, _locatedLineStart, _locatedColumn) = (0, 1, 0, 1);
        var between = _input[_locatedOffset..offset];
        var newlines = between.Count((byte)'\n');
        if (newlines == 0)
        {
            _locatedColumn += Encoding.UTF8.GetCharCount(between);
        }
        else
        {
            _locatedLine += newlines;
            _locatedLineStart = _locatedOffset + between.LastIndexOf((byte)'\n') + 1;
            _locatedColumn = Encoding.UTF8.GetCharCount(_input[_locatedLineStart..offset]) + 1;
        }

        _locatedOffset = offset;
        return (_locatedLine, _locatedColumn);
    }

    private void Add(CaseProblem problem) => (_problems ??= []).Add(problem);

    /// <summary>Gives problems found after reading (declared checks, references) the line and column of the value each names, or of the nearest enclosing one.</summary>
    /// <remarks>One pass over the document finds every path, then the offsets are located in document order: a case with a problem per grant costs two passes, not one per problem.</remarks>
    private CaseProblem[] LocatePaths(IReadOnlyList<CaseProblem> problems)
    {
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in problems)
        {
            for (var path = p.Path; path.Length > 0 && wanted.Add(path); path = Parent(path))
            {
                // Each path and its ancestors: the value itself may be absent, its object is not.
            }
        }

        var offsets = new Dictionary<string, long>(StringComparer.Ordinal);
        var r = new Utf8JsonReader(_input, Options);
        if (r.Read()) FindPaths(ref r, "", wanted, offsets);

        var at = new long[problems.Count];
        for (var i = 0; i < at.Length; i++)
        {
            at[i] = -1;
            for (var path = problems[i].Path; path.Length > 0; path = Parent(path))
            {
                if (offsets.TryGetValue(path, out var offset))
                {
                    at[i] = offset;
                    break;
                }
            }
        }

        var located = new CaseProblem[problems.Count];
        foreach (var i in Enumerable.Range(0, at.Length).OrderBy(i => at[i]))
        {
            if (at[i] < 0)
            {
                located[i] = problems[i];
                continue;
            }

            var (line, column) = LocateInInput((int)at[i]);
            located[i] = problems[i] with { Line = line, Column = column };
        }

        return located;

        static string Parent(string path) => path[..Math.Max(0, path.LastIndexOfAny(['.', '[']))];
    }

    /// <summary>Records the byte offset of the value at the reader and, entering only containers on a wanted path, of each wanted value inside it (paths such as <c>grants[2].remaining</c>).</summary>
    private static void FindPaths(ref Utf8JsonReader r, string path, HashSet<string> wanted, Dictionary<string, long> offsets)
    {
        if (path.Length > 0) offsets.TryAdd(path, r.TokenStartIndex);
        if (r.TokenType == JsonTokenType.StartObject)
        {
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                var name = TextOrNull(ref r);
                var child = name is null ? null : Join(path.Length == 0 ? "$" : path, name);
                r.Read();
                if (child is not null && wanted.Contains(child)) FindPaths(ref r, child, wanted, offsets);
                else r.Skip();
            }
        }
        else if (r.TokenType == JsonTokenType.StartArray)
        {
            for (var i = 0; r.Read() && r.TokenType != JsonTokenType.EndArray; i++)
            {
                var child = string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]");
                if (wanted.Contains(child)) FindPaths(ref r, child, wanted, offsets);
                else r.Skip();
            }
        }
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

    private const string LoneSurrogate = "not valid text: an escaped lone surrogate (\\uD800-\\uDFFF without its pair)";

    /// <summary>The string or property name at the reader, unescaped; null when an escape in it is not text (a lone surrogate such as <c>\ud800</c>).</summary>
    private static string? TextOrNull(ref Utf8JsonReader r)
    {
        try
        {
            return r.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Whether the property name at the reader is text; when it is not, reports it at <paramref name="path"/> (the object holding it) and skips its value.</summary>
    private bool NameIsText(ref Utf8JsonReader r, JsonPath path)
    {
        if (!r.ValueIsEscaped || TextOrNull(ref r) is not null) return true;
        Problem(r.TokenStartIndex, path, "a field name is " + LoneSurrogate);
        r.Skip();
        return false;
    }

    /// <summary>An instant in the string at the reader, written plainly or with escapes (<c>"2026-11-25T10:00:00\u005a"</c> is the same string).</summary>
    private static bool TryInstant(ref Utf8JsonReader r, out Instant instant)
    {
        if (!r.ValueIsEscaped) return ValueText.TryParseInstant(r.ValueSpan, out instant);
        instant = default;
        return r.ValueSpan.Length <= 6 * 64 && TextOrNull(ref r) is { Length: <= 64 } text && ValueText.TryParseInstant(text, out instant);
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

    private static string GrantPath(int index) => new JsonPath("grants", index, null).ToString();

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

/// <summary>A JSON path built only when a problem names it: reading a valid case allocates no path strings.</summary>
/// <param name="Base">The path so far, such as <c>account</c>, <c>grants</c> or <c>$</c>.</param>
/// <param name="Index">An array index after <paramref name="Base"/>, or -1.</param>
/// <param name="Leaf">A field name after that, or null.</param>
internal readonly record struct JsonPath(string Base, int Index, string? Leaf)
{
    public static implicit operator JsonPath(string path) => new(path, -1, null);

    /// <summary>The path of a field of this object.</summary>
    public JsonPath Then(string name) => Leaf is null ? new JsonPath(Base, Index, name) : new JsonPath(ToString(), -1, name);

    /// <summary>The path of an element of this array.</summary>
    public JsonPath Item(int index) => Index < 0 && Leaf is null ? new JsonPath(Base, index, null) : new JsonPath(ToString(), index, null);

    public override string ToString()
    {
        var text = Index < 0 ? Base : string.Create(CultureInfo.InvariantCulture, $"{Base}[{Index}]");
        if (Leaf is null) return text;
        return text == "$" ? Leaf : text + "." + Leaf;
    }
}
