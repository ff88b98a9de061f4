using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Model.Contract;
using CreditPolicy.Rules;
using NodaTime;
using NodaTime.Text;

namespace CreditPolicy.Cli.Generation;

/// <summary>A calendar call of the rules, <c>Cal.PlusInZone(start, period, zone)</c>: the members its start reads (the first present one counts, as with <c>??</c>), the period and the zone.</summary>
/// <param name="Start">The instant members the start reads, in order.</param>
/// <param name="Period">The constant period added.</param>
/// <param name="Zone">The member giving the zone, when it is one.</param>
/// <param name="ZoneId">The zone, when it is a constant.</param>
internal sealed record PeriodSite(IReadOnlyList<MemberPath> Start, Period Period, MemberPath? Zone, string? ZoneId);

/// <summary>What a declared check says an attribute must be, relative to another value of the case: <c>subject Operator other</c>.</summary>
/// <param name="Operator">One of <c>&lt;</c>, <c>&lt;=</c>, <c>==</c>, <c>&gt;=</c>, <c>&gt;</c>.</param>
/// <param name="Other">The member compared with; null for <c>c.AsOf</c> or a constant.</param>
/// <param name="Constant">The value compared with when it is a number literal or a named constant: a <see cref="decimal"/>,
/// a <see cref="long"/> or a <see cref="When"/>.</param>
internal sealed record Relation(string Operator, MemberPath? Other, object? Constant = null);

/// <summary>What a declared check says of an optional attribute's presence: when <paramref name="Condition"/> equals
/// <paramref name="Literal"/> (or is true, for a boolean), the attribute is present (or absent).</summary>
internal sealed record PresenceRule(MemberPath Condition, string? Literal, bool Present);

/// <summary>What the generator takes from one version of the terms: its vocabulary, and the periods, calendar calls and literals its rules and checks are written with.</summary>
/// <remarks>
/// Everything here is read from the version as loaded (its <see cref="CaseContract"/>, its rules' expressions as written and
/// its named constants), so the generator knows no kind, request type, attribute, status or period of any terms.
/// </remarks>
internal sealed class VersionProfile
{
    private VersionProfile(RuleSet set) => Set = set;

    public RuleSet Set { get; }

    public CaseContract Contract => Set.Contract;

    /// <summary>Every constant non-zero ISO period the rules use, in order of first use.</summary>
    public IReadOnlyList<Period> Periods { get; private init; } = [];

    /// <summary>The calendar calls whose expiry edges the generator places <c>asOf</c> on.</summary>
    public IReadOnlyList<PeriodSite> Sites { get; private init; } = [];

    /// <summary>Instants the rules and constants name (<c>Cal.At("...")</c>, instant constants).</summary>
    public IReadOnlyList<Instant> Instants { get; private init; } = [];

    /// <summary>Dates the rules and constants name.</summary>
    public IReadOnlyList<LocalDate> Dates { get; private init; } = [];

    /// <summary>Other strings the rules compare with and the constants hold (a country code, an element of a constant set).</summary>
    public IReadOnlyList<string> Strings { get; private init; } = [];

    /// <summary>Decimal literals and constants (a threshold, a minimum amount).</summary>
    public IReadOnlyList<decimal> Decimals { get; private init; } = [];

    /// <summary>Whole-number literals and constants.</summary>
    public IReadOnlyList<long> Integers { get; private init; } = [];

    /// <summary>Members read in the same expression as <c>c.Available</c>: the amounts a balance is compared with.</summary>
    public IReadOnlyList<MemberPath> NearAvailable { get; private init; } = [];

    /// <summary>For attributes a declared check compares with another value (<c>g.Remaining &lt;= g.Amount</c>): the relations, so most values are drawn to meet them.</summary>
    public IReadOnlyDictionary<AttributeContract, IReadOnlyList<Relation>> Relations { get; private init; } = new Dictionary<AttributeContract, IReadOnlyList<Relation>>();

    /// <summary>For optional attributes a declared check requires or forbids under a condition (<c>closedAt</c> when <c>status</c> is <c>closed</c>).</summary>
    public IReadOnlyDictionary<AttributeContract, IReadOnlyList<PresenceRule>> Presences { get; private init; } = new Dictionary<AttributeContract, IReadOnlyList<PresenceRule>>();

    /// <summary>The account's first time-zone attribute: the zone calendar edges and local offsets are taken in.</summary>
    public AttributeContract? Zone { get; private init; }

    public static VersionProfile Of(RuleSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var contract = set.Contract;
        var texts = Texts(set).ToArray();
        var periods = new List<Period>();
        var sites = new List<PeriodSite>();
        var instants = new List<Instant>();
        var dates = new List<LocalDate>();
        var strings = new List<string>();
        var decimals = new List<decimal>();
        var integers = new List<long>();
        var nearAvailable = new List<MemberPath>();

        void AddPeriod(Period p)
        {
            if (!p.Equals(Period.Zero) && !periods.Contains(p)) periods.Add(p);
        }

        void AddString(string s)
        {
            if (TryPeriod(s) is { } p) AddPeriod(p);
            else if (ValueText.TryParseInstant(s, out var instant)) Add(instants, instant);
            else if (ValueText.TryParseDate(s, out var date)) Add(dates, date);
            else if (s.Length > 0 && !s.Any(char.IsControl)) Add(strings, s);
        }

        foreach (var c in contract.Constants)
        {
            switch (c.Value)
            {
                case string s: AddString(s); break;
                case StringSet set1: foreach (var s in set1) AddString(s); break;
                case decimal d: Add(decimals, d); break;
                case long n: Add(integers, n); break;
                case Instant i: Add(instants, i); break;
                case LocalDate d: Add(dates, d); break;
            }
        }

        foreach (var text in texts)
        {
            foreach (var s in RuleText.StringLiterals(text)) AddString(s);
            foreach (var d in RuleText.DecimalLiterals(text)) Add(decimals, d);
            foreach (var n in RuleText.IntegerLiterals(text)) Add(integers, n);
            if (text.Contains("Available", StringComparison.Ordinal))
            {
                foreach (var m in RuleText.Members(text))
                {
                    if (!nearAvailable.Any(x => x.Root == m.Root && x.Members.SequenceEqual(m.Members, StringComparer.Ordinal))) nearAvailable.Add(m);
                }
            }

            foreach (var args in RuleText.Calls(text, "Cal.PlusInZone"))
            {
                if (args.Count != 3 || PeriodArgument(args[1], contract) is not { } period) continue;
                var start = RuleText.Members(args[0]).ToArray();
                if (start.Length == 0) continue;
                var zoneMember = RuleText.Members(args[2]).FirstOrDefault();
                var zoneLiteral = zoneMember is null ? RuleText.StringLiterals(args[2]).FirstOrDefault() : null;
                AddPeriod(period);
                sites.Add(new PeriodSite(start, period, zoneMember, zoneLiteral));
            }
        }

        // Literals that are declared values (a status, a kind, a request type) are what enums are compared with, not free strings.
        var declared = new HashSet<string>(contract.Entities().SelectMany(e => e.Attributes).SelectMany(a => a.Values ?? []).Concat(contract.RequestTypes), StringComparer.Ordinal);
        strings.RemoveAll(declared.Contains);
        var zone = contract.Account.Attributes.FirstOrDefault(a => a.Kind == AttributeKind.TimeZone);
        var (relations, presences) = Hints(contract);

        // Periods the rules use other than through a calendar call (a constant, a literal compared elsewhere): add them to
        // each instant of a grant, in the account's zone, which is how such periods are commonly meant.
        if (sites.Count == 0 && periods.Count > 0)
        {
            var zonePath = zone is null ? null : new MemberPath(MemberRoot.Account, [zone.Member]);
            foreach (var p in periods)
            {
                foreach (var a in contract.Grant.Attributes.Where(a => a.Kind == AttributeKind.Instant))
                {
                    sites.Add(new PeriodSite([new MemberPath(MemberRoot.Grant, [a.Member])], p, zonePath, null));
                }
            }
        }

        return new VersionProfile(set)
        {
            Periods = periods,
            Sites = sites,
            Instants = instants,
            Dates = dates,
            Strings = strings,
            Decimals = decimals,
            Integers = integers,
            NearAvailable = nearAvailable,
            Zone = zone,
            Relations = relations.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<Relation>)kv.Value),
            Presences = presences.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<PresenceRule>)kv.Value),
        };
    }

    /// <summary>The attributes a check's path names: one, or one per request type declaring a field of that name.</summary>
    private static IEnumerable<(AttributeContract Attribute, EntityContract Root, MemberRoot Kind)> Subjects(CaseContract contract, CheckContract check)
    {
        var parts = check.Path.Split('.');
        if (check.Scope == "grant")
        {
            if (ByNames(contract.Grant, parts) is { } a) yield return (a, contract.Grant, MemberRoot.Grant);
            yield break;
        }

        if (parts.Length < 2) yield break;
        if (parts[0] == "account" && ByNames(contract.Account, parts[1..]) is { } accountAttribute)
        {
            yield return (accountAttribute, contract.Account, MemberRoot.Account);
        }
        else if (parts[0] == "request")
        {
            foreach (var type in contract.RequestTypes)
            {
                var fields = contract.Requests[type].Fields;
                if (ByNames(fields, parts[1..]) is { } field) yield return (field, fields, MemberRoot.Request);
            }
        }
    }

    private static AttributeContract? ByNames(EntityContract entity, IReadOnlyList<string> names)
    {
        var current = entity;
        for (var i = 0; i < names.Count; i++)
        {
            var a = current.Find(names[i]);
            if (a is null) return null;
            if (i + 1 == names.Count) return a;
            if (a.Object is null) return null;
            current = a.Object;
        }

        return null;
    }

    /// <summary>Reads the checks' simple shapes: comparisons with the subject on one side, and conditional presence.</summary>
    private static (Dictionary<AttributeContract, List<Relation>>, Dictionary<AttributeContract, List<PresenceRule>>) Hints(CaseContract contract)
    {
        var relations = new Dictionary<AttributeContract, List<Relation>>();
        var presences = new Dictionary<AttributeContract, List<PresenceRule>>();
        foreach (var check in contract.Checks)
        {
            foreach (var (subject, root, kind) in Subjects(contract, check))
            {
                bool IsSubject(MemberPath? m) =>
                    m is not null && m.Root == kind && Resolve(root, m.Members) is { } r && ReferenceEquals(r.Attribute, subject);

                foreach (var (left, op, right) in RuleText.Comparisons(check.Require))
                {
                    var l = AsMember(left);
                    var r = AsMember(right);
                    Relation? relation = IsSubject(l) ? new Relation(op, r) : IsSubject(r) ? new Relation(Flip(op), l) : null;
                    if (relation is null) continue;
                    if (!relations.TryGetValue(subject, out var list)) relations[subject] = list = [];
                    list.Add(relation);
                }

                foreach (var (member, op, text) in RuleText.ConstantComparisons(check.Require))
                {
                    if (!IsSubject(AsMember(member)) || ConstantValue(contract, text) is not { } value) continue;
                    if (!relations.TryGetValue(subject, out var list)) relations[subject] = list = [];
                    list.Add(new Relation(op, null, value));
                }

                if (check.When is { } when && RuleText.EqualsLiteral(when) is { } condition && RuleText.NullTest(check.Require) is { } test
                    && IsSubject(AsMember(test.Member)) && AsMember(condition.Member) is { } conditionMember)
                {
                    if (!presences.TryGetValue(subject, out var list)) presences[subject] = list = [];
                    list.Add(new PresenceRule(conditionMember, condition.Literal, test.NotNull));
                }
            }
        }

        return (relations, presences);
    }

    /// <summary>A number literal, or a named constant of the vocabulary, as a value a relation can be drawn against.</summary>
    private static object? ConstantValue(CaseContract contract, string text)
    {
        if (RuleText.Number(text) is { } number) return number;
        return contract.Constants.FirstOrDefault(c => string.Equals(c.Name, text, StringComparison.Ordinal))?.Value switch
        {
            decimal d => d,
            long n => n,
            Instant i => new When(i, false),
            _ => null,
        };
    }

    /// <summary>A member token as a path; null for <c>c.AsOf</c>.</summary>
    private static MemberPath? AsMember(string token) => token == "c.AsOf" ? null : RuleText.Members(token).FirstOrDefault();

    private static string Flip(string op) => op switch { "<" => ">", "<=" => ">=", ">" => "<", ">=" => "<=", _ => op };

    /// <summary>The attribute a member path names, starting from an entity and walking nested objects; null when it names none.</summary>
    public static (IReadOnlyList<AttributeContract> Through, AttributeContract Attribute)? Resolve(EntityContract entity, IReadOnlyList<string> members)
    {
        var through = new List<AttributeContract>();
        var current = entity;
        for (var i = 0; i < members.Count; i++)
        {
            var a = current.Attributes.FirstOrDefault(x => string.Equals(x.Member, members[i], StringComparison.Ordinal));
            if (a is null) return null;
            if (a.Kind == AttributeKind.Object && i + 1 < members.Count && a.Object!.Attributes.Any(x => string.Equals(x.Member, members[i + 1], StringComparison.Ordinal)))
            {
                through.Add(a);
                current = a.Object!;
                continue;
            }

            return (through, a);
        }

        return null;
    }

    private static IEnumerable<string> Texts(RuleSet set)
    {
        foreach (var rule in set.All)
        {
            yield return rule.Info.Expression;
            if (rule.ExpiresAtText is { } expiresAt) yield return expiresAt;
        }

        foreach (var check in set.Contract.Checks)
        {
            if (check.When is { } when) yield return when;
            yield return check.Require;
        }
    }

    private static Period? PeriodArgument(string argument, CaseContract contract)
    {
        var literal = RuleText.StringLiterals(argument).FirstOrDefault();
        if (literal is not null) return TryPeriod(literal);
        var constant = contract.Constants.FirstOrDefault(c => string.Equals(c.Name, argument, StringComparison.Ordinal));
        return constant?.Value is string s ? TryPeriod(s) : null;
    }

    private static Period? TryPeriod(string text)
    {
        if (text.Length is < 2 or > 64 || !(text[0] == 'P' || (text[0] == '-' && text.Length > 2 && text[1] == 'P'))) return null;
        var result = PeriodPattern.NormalizingIso.Parse(text);
        return result.Success ? result.Value : null;
    }

    private static void Add<T>(List<T> list, T value)
    {
        if (!list.Contains(value)) list.Add(value);
    }
}
