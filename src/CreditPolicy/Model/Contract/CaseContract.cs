using System.Reflection;
using System.Text;
using NodaTime;

namespace CreditPolicy.Model.Contract;

/// <summary>The types an attribute can be declared with in a vocabulary.</summary>
internal enum AttributeKind
{
    /// <summary>Text; <c>maxLength</c> (default 256) bounds it.</summary>
    String,
    /// <summary>One of the strings listed in <c>values</c>.</summary>
    Enum,
    /// <summary>A JSON number held exactly as <see cref="decimal"/>.</summary>
    Decimal,
    /// <summary>A whole JSON number held as <see cref="long"/>.</summary>
    Integer,
    /// <summary><c>true</c> or <c>false</c>.</summary>
    Boolean,
    /// <summary>An ISO-8601 instant with offset, held as a NodaTime <see cref="NodaTime.Instant"/>.</summary>
    Instant,
    /// <summary>An ISO-8601 date (<c>2027-01-01</c>), held as a NodaTime <see cref="LocalDate"/>.</summary>
    Date,
    /// <summary>An array of distinct strings, held as a <see cref="StringSet"/>.</summary>
    Set,
    /// <summary>A nested object with attributes of its own.</summary>
    Object,
    /// <summary>An IANA time-zone id the time-zone database knows.</summary>
    TimeZone,
    /// <summary>The id of a grant in the case (for requests about one grant).</summary>
    GrantId,
    /// <summary>One of the credit kinds the vocabulary declares.</summary>
    Kind,
}

/// <summary>Where in a case an attribute of the mechanism lives, rather than one only the rules read.</summary>
internal enum Structural
{
    /// <summary>A declared attribute the rules read; the evaluator does not.</summary>
    None,
    /// <summary><c>account.id</c>: names the account in sweeps and shards.</summary>
    AccountId,
    /// <summary><c>grants[].id</c>: unique; effects name grants by it.</summary>
    GrantId,
    /// <summary><c>grants[].kind</c>: effects and balances are given by kind.</summary>
    GrantKind,
    /// <summary><c>grants[].remaining</c>: what effects draw, forfeit and sum.</summary>
    GrantRemaining,
}

/// <summary>One declared attribute: its JSON name, the member rules read it as, its type and constraints.</summary>
internal sealed class AttributeContract
{
    public required string Name { get; init; }

    /// <summary>The name rule expressions use: the JSON name with its first letter upper-case (<c>billingCountry</c> is <c>BillingCountry</c>).</summary>
    public required string Member { get; init; }

    public required AttributeKind Kind { get; init; }

    public bool Required { get; init; }

    /// <summary>The value an absent optional attribute takes, typed as <see cref="ClrType"/>; null for none.</summary>
    public object? Default { get; init; }

    /// <summary>For enums and sets: the allowed strings; for kinds: the declared kinds.</summary>
    public IReadOnlyList<string>? Values { get; init; }

    /// <summary><see cref="Values"/> as UTF-8, to match JSON strings without decoding them.</summary>
    public byte[][] Utf8Values => field ??= (Values ?? []).Select(v => Encoding.UTF8.GetBytes(v)).ToArray();

    public decimal? Minimum { get; init; }

    public decimal? ExclusiveMinimum { get; init; }

    public decimal? Maximum { get; init; }

    /// <summary>For strings and set elements: the most characters.</summary>
    public int MaxLength { get; init; } = CaseLimits.DefaultMaxStringLength;

    /// <summary>For sets: the most elements.</summary>
    public int MaxItems { get; init; } = CaseLimits.DefaultMaxSetItems;

    public EntityContract? Object { get; init; }

    public string? Description { get; init; }

    public Structural Structural { get; init; }

    /// <summary>Position in the entity's declaration order.</summary>
    public int Index { get; init; }

    /// <summary>The .NET type rules see: non-nullable when required or defaulted, nullable otherwise; sets and nested objects are never null.</summary>
    public Type ClrType { get; init; } = typeof(object);

    /// <summary>The name as UTF-8, for matching JSON property names without decoding them.</summary>
    public byte[] Utf8Name { get; init; } = [];

    /// <summary>Whether rules see the value as nullable: optional, without a default, and not a set or object.</summary>
    public bool IsNullable => !Required && Default is null && Kind is not (AttributeKind.Set or AttributeKind.Object);

    // Bound when the vocabulary's types are made (see ContractTypes).
    internal FieldInfo? Field { get; set; }

    internal Delegate? Setter { get; set; }

    internal Func<CaseObject, object?>? Getter { get; set; }

    /// <summary>The name as JSON text, encoded once.</summary>
    internal System.Text.Json.JsonEncodedText EncodedName => _encodedName ??= System.Text.Json.JsonEncodedText.Encode(Name);

    private System.Text.Json.JsonEncodedText? _encodedName;

    /// <summary>How the canonical form writes this attribute, compiled on first use by the Json layer.</summary>
    internal Delegate? CanonicalWriter { get; set; }

    /// <summary>The value on an object of this attribute's entity, boxed; structural attributes read their base members.</summary>
    public object? GetBoxed(CaseObject o) => Getter!(o);
}

/// <summary>One object shape of a case: the account, a grant, one request type's fields, or an object nested in one.</summary>
internal sealed class EntityContract
{
    private readonly Dictionary<string, AttributeContract> _byName;

    public EntityContract(string path, EntityRole role, IReadOnlyList<AttributeContract> attributes)
    {
        Path = path;
        Role = role;
        Attributes = attributes;
        _byName = attributes.ToDictionary(a => a.Name, StringComparer.Ordinal);
    }

    /// <summary>Where it sits in a case, for messages: <c>account</c>, <c>grant</c>, <c>request 'use'</c>, <c>account.balanceMaintenance</c>.</summary>
    public string Path { get; }

    public EntityRole Role { get; }

    public IReadOnlyList<AttributeContract> Attributes { get; }

    /// <summary>The .NET type of the objects, made for this vocabulary.</summary>
    internal Type DataType { get; set; } = typeof(object);

    /// <summary>Creates an empty object of <see cref="DataType"/>.</summary>
    internal Func<CaseObject> Create { get; set; } = null!;

    /// <summary>For nested objects: the one instance an absent object reads as (defaults, <see cref="CaseObject.Present"/> false).</summary>
    internal CaseObject? Absent { get; set; }

    public AttributeContract? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The attribute with this UTF-8 name, without decoding it.</summary>
    public AttributeContract? Find(ReadOnlySpan<byte> utf8Name)
    {
        foreach (var a in Attributes)
        {
            if (utf8Name.SequenceEqual(a.Utf8Name)) return a;
        }

        return null;
    }
}

/// <summary>What an entity is in a case.</summary>
internal enum EntityRole
{
    Account,
    Grant,
    Request,
    Nested,
}

/// <summary>A declared request type and its fields.</summary>
internal sealed record RequestContract(string Type, EntityContract Fields, string? Description)
{
    /// <summary>The field naming the grant the request is about (type <c>grantId</c>), if any.</summary>
    public AttributeContract? GrantRef { get; } = Fields.Attributes.FirstOrDefault(a => a.Kind == AttributeKind.GrantId);

    public byte[] Utf8Type { get; } = Encoding.UTF8.GetBytes(Type);
}

/// <summary>A declared kind of credit and the defaults it gives its grants' optional attributes (for example its <c>source</c>).</summary>
internal sealed record KindContract(string Name, IReadOnlyDictionary<string, object> Defaults, string? Description);

/// <summary>A named constant of a version, usable by name in any of its expressions.</summary>
internal sealed record ConstantContract(string Name, AttributeKind Kind, object Value, Type ClrType, string? Description);

/// <summary>A consistency check of the case contract: an expression every valid case satisfies, and the problem reported where it does not.</summary>
/// <param name="Name">The check's kebab-case name.</param>
/// <param name="Scope"><c>case</c> or <c>grant</c>.</param>
/// <param name="AppliesTo">The request types it runs for; empty for all.</param>
/// <param name="When">The condition under which it applies, as written; null for always.</param>
/// <param name="Require">What must hold, as written.</param>
/// <param name="Path">The JSON path the problem names; for grant checks, relative to the grant.</param>
/// <param name="Message">What is wrong, for a person.</param>
internal sealed record CheckContract(string Name, string Scope, IReadOnlyList<string> AppliesTo, string? When, string Require, string Path, string Message);

/// <summary>The vocabulary of one version of the terms: what a case under it may and must contain, read from its <c>vocabulary.json</c>.</summary>
/// <remarks>
/// One declaration drives every encoding of a case: reading and validation, the canonical form behind the case digest and
/// the decision log, the typed members rules read, the JSON Schema of cases and the case generator.
/// </remarks>
internal sealed class CaseContract
{
    public required string File { get; init; }

    public required EntityContract Account { get; init; }

    public required EntityContract Grant { get; init; }

    public required IReadOnlyDictionary<string, RequestContract> Requests { get; init; }

    /// <summary>Request types in declaration order.</summary>
    public required IReadOnlyList<string> RequestTypes { get; init; }

    public required IReadOnlyList<KindContract> Kinds { get; init; }

    public required IReadOnlyList<ConstantContract> Constants { get; init; }

    public required IReadOnlyList<CheckContract> Checks { get; init; }

    public required TimeZoneDatabase TimeZones { get; init; }

    public string? Description { get; init; }

    /// <summary>The shape the .NET types are made for: names and types of every attribute. Vocabularies with the same shape share types.</summary>
    public required string Signature { get; init; }

    /// <summary>Runs the declared checks on a case read against this contract and returns their problems; set when the rules compile them.</summary>
    internal Func<CreditCase, IReadOnlyList<CaseProblem>>? Validate { get; set; }

    public KindContract? FindKind(string name)
    {
        foreach (var k in Kinds)
        {
            if (string.Equals(k.Name, name, StringComparison.Ordinal)) return k;
        }

        return null;
    }

    public RequestContract? FindRequest(ReadOnlySpan<byte> utf8Type)
    {
        foreach (var t in RequestTypes)
        {
            var r = Requests[t];
            if (utf8Type.SequenceEqual(r.Utf8Type)) return r;
        }

        return null;
    }

    /// <summary>Every entity, nested ones included, outer first.</summary>
    public IEnumerable<EntityContract> Entities()
    {
        IEnumerable<EntityContract> WithNested(EntityContract e) =>
            new[] { e }.Concat(e.Attributes.Where(a => a.Object is not null).SelectMany(a => WithNested(a.Object!)));
        return WithNested(Account).Concat(WithNested(Grant)).Concat(RequestTypes.SelectMany(t => WithNested(Requests[t].Fields)));
    }
}

/// <summary>The limits every case is read under, whatever its vocabulary.</summary>
public static class CaseLimits
{
    /// <summary>The longest case, in bytes of UTF-8 (8 MiB): room for some 40,000 grants, not for a memory attack.</summary>
    public const int MaxBytes = 8 * 1024 * 1024;

    /// <summary>The deepest nesting of objects and arrays (a case is four levels deep; nested attributes add one each).</summary>
    public const int MaxDepth = 16;

    /// <summary>The most characters in a string attribute unless its declaration says otherwise.</summary>
    public const int DefaultMaxStringLength = 256;

    /// <summary>The most characters any string attribute may be declared to hold.</summary>
    public const int MaxStringLength = 4096;

    /// <summary>The most elements of a set attribute unless its declaration says otherwise.</summary>
    public const int DefaultMaxSetItems = 256;

    /// <summary>The most elements any set attribute may be declared to hold.</summary>
    public const int MaxSetItems = 4096;

    /// <summary>The most significant digits of a decimal: more could not be held exactly and would be rounded.</summary>
    public const int MaxDecimalDigits = 28;

    /// <summary>The most attributes one object may declare.</summary>
    public const int MaxAttributes = 64;
}
