using CreditPolicy.Model.Contract;
using NodaTime;

namespace CreditPolicy.Model;

/// <summary>One question put to the policy: an account snapshot, its grants and a request, at an instant.</summary>
/// <remarks>
/// <para>A case is always read against the vocabulary of the version of the terms that decides it (see
/// <c>RuleCatalogue.ReadCase</c>): its account, grants and request carry exactly the attributes that version declares in its
/// <c>vocabulary.json</c>, typed as declared, with defaults applied. A case that breaks the vocabulary is never
/// constructed; reading it gives the problems instead. So every <see cref="CreditCase"/> is valid for its vocabulary.</para>
/// <para><see cref="AsOf"/> is the only "now" a decision knows. Two evaluations of the same case under the same rule set
/// give the same decision, byte for byte.</para>
/// </remarks>
public sealed class CreditCase
{
    internal CreditCase(CaseContract contract, Instant asOf, CaseAccount account, IReadOnlyList<CaseGrant> grants, CaseRequest request)
    {
        Contract = contract;
        AsOf = asOf;
        Account = account;
        Grants = grants;
        Request = request;
    }

    /// <summary>The instant at which the request is decided.</summary>
    public Instant AsOf { get; }

    /// <summary>The account the grants are associated with.</summary>
    public CaseAccount Account { get; }

    /// <summary>Every grant of credits in the snapshot, in the order the case listed them (which never changes a decision).</summary>
    public IReadOnlyList<CaseGrant> Grants { get; }

    /// <summary>What is being asked.</summary>
    public CaseRequest Request { get; }

    /// <summary>The grants in ordinal grant id order (ids are unique, so the order is total): the order rules, the
    /// canonical form and grant reasons see, whatever the order of the case. Sorted once, on first use.</summary>
    internal IReadOnlyList<CaseGrant> GrantsById => _grantsById ??= SortById(Grants);

    private IReadOnlyList<CaseGrant>? _grantsById;

    private static IReadOnlyList<CaseGrant> SortById(IReadOnlyList<CaseGrant> grants)
    {
        for (var i = 1; i < grants.Count; i++)
        {
            if (string.CompareOrdinal(grants[i - 1].Id, grants[i].Id) > 0)
            {
                var copy = grants.ToArray();
                Array.Sort(copy, static (a, b) => string.CompareOrdinal(a.Id, b.Id));
                return copy;
            }
        }

        return grants;
    }

    /// <summary>The vocabulary the case was read against.</summary>
    internal CaseContract Contract { get; }
}

/// <summary>An object of a case (the account, a grant, the request, or an object nested in one): the attributes its vocabulary declares, typed.</summary>
/// <remarks>
/// Each vocabulary gets its own .NET types for its objects, made when the rules load, so rule expressions read
/// declared attributes as typed members (<c>c.Account.BillingCountry</c>). Code outside rules reads them by their
/// JSON name with <see cref="Get"/>, or lists them with <see cref="Attributes"/>.
/// </remarks>
public abstract class CaseObject
{
    internal EntityContract Entity { get; set; } = null!;

    /// <summary>Whether the object was given in the case; false only for an optional nested object that was absent, whose attributes then read as their defaults.</summary>
    public bool Present { get; internal set; } = true;

    /// <summary>The value of a declared attribute by its JSON name: a <see cref="string"/>, <see cref="decimal"/>, <see cref="long"/>, <see cref="bool"/>,
    /// <see cref="Instant"/>, <see cref="LocalDate"/>, <see cref="StringSet"/>, a nested <see cref="CaseObject"/>, or null when absent.</summary>
    /// <exception cref="KeyNotFoundException">Thrown when the vocabulary declares no such attribute here.</exception>
    public object? Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var attribute = Entity.Find(name) ?? throw new KeyNotFoundException(
            $"'{name}' is not an attribute of {Entity.Path}; it declares {string.Join(", ", Entity.Attributes.Select(a => a.Name))}");
        return attribute.GetBoxed(this);
    }

    /// <summary>Every declared attribute with its value, in declaration order.</summary>
    public IEnumerable<KeyValuePair<string, object?>> Attributes =>
        Entity.Attributes.Select(a => new KeyValuePair<string, object?>(a.Name, a.GetBoxed(this)));
}

/// <summary>The account a case is about.</summary>
public abstract class CaseAccount : CaseObject
{
    internal string _id = "";
    internal string? _termsVersion;

    /// <summary>The account id.</summary>
    public string Id => _id;

    /// <summary>The version of the terms the account is pinned to (<c>account.termsVersion</c>), or null to use the version in force at the case's <c>asOf</c>.</summary>
    public string? TermsVersion => _termsVersion;
}

/// <summary>One grant of credits: an amount of a kind, of which some remains.</summary>
public abstract class CaseGrant : CaseObject
{
    internal string _id = "";
    internal string _kind = "";
    internal decimal _remaining;

    /// <summary>The grant id, unique within the case.</summary>
    public string Id => _id;

    /// <summary>The kind of credit, one of the kinds the vocabulary declares.</summary>
    public string Kind => _kind;

    /// <summary>The amount that can still be drawn.</summary>
    public decimal Remaining => _remaining;
}

/// <summary>What a case asks: a request type the vocabulary declares, with the fields it declares for that type.</summary>
public abstract class CaseRequest : CaseObject
{
    internal string _type = "";
    internal string? _target;

    /// <summary>The request type, for example <c>use</c>.</summary>
    public string Type => _type;

    /// <summary>The grant the request names (its field of type <c>grantId</c>), or null.</summary>
    public string? TargetGrantId => _target;
}
