using CreditPolicy.Evaluation;
using CreditPolicy.Model;
using CreditPolicy.Model.Contract;
using CreditPolicy.Rules;
using NodaTime;

namespace CreditPolicy.Cli.Generation;

/// <summary>Edges placed where the rules look: a calendar call's expiry at asOf, a grant's computed expiry, the available balance.</summary>
internal sealed partial class DraftComposer
{
    // ---- Calendar edges the rules declare --------------------------------------------------------------------------

    /// <summary>Plans a calendar edge the rules declare: "an instant plus a period, in the account's zone" falling exactly at,
    /// one tick before or one tick after asOf. The instant is chosen so that the edge falls at the asOf already drawn, in a
    /// daylight-saving gap or overlap of the zone, or a period after a leap day; asOf moves onto the edge now, before the
    /// grants are drawn around it, and the instant is given to an object once it exists (<see cref="ApplyEdge"/>).</summary>
    private void PlanEdge()
    {
        var site = _r.Pick(_p.Sites);
        var zone = SiteZone(site);
        var period = site.Period;
        Instant start;
        switch (_nearTransition is null ? _r.Weighted([60, 25, 15]) : 1)
        {
            case 1:
                var transitions = ZoneTransitions.Between(ZoneTransitions.Of(zone, Catalogue.TimeZones), Max(_w.Start, _d.AsOf - Duration.FromDays(365)), Min(_w.End, _d.AsOf + Duration.FromDays(365)));
                if (_nearTransition is null && transitions.Length == 0) return;
                var t = _nearTransition ?? PickTransition(transitions);
                start = t.FirstLocal.PlusTicks(_r.Long(0, t.Span.BclCompatibleTicks - 1)).Minus(period).InZoneLeniently(zone).ToInstant();
                break;
            case 2:
                var first = _w.Start.InZone(zone).Year - 6;
                var years = Enumerable.Range(first, _w.End.InZone(zone).Year - first + 1).Where(CalendarSystem.Iso.IsLeapYear).ToArray();
                if (years.Length == 0) return;
                start = new LocalDate(_r.Pick(years), 2, 29).At(new LocalTime(_r.Int(0, 23), _r.Int(0, 59))).InZoneLeniently(zone).ToInstant();
                break;
            default:
                start = _d.AsOf.InZone(zone).LocalDateTime.Minus(period).InZoneLeniently(zone).ToInstant();
                break;
        }

        var edge = start.InZone(zone).LocalDateTime.Plus(period).InZoneLeniently(zone).ToInstant();
        var asOf = edge + Tick * _r.Pick([-1L, 0L, 0L, 1L]);
        if (start < Earliest || !_w.Contains(asOf) || (!_pinned && !ReferenceEquals(Catalogue.InForceAt(asOf), _version))) return;
        _d.AsOf = asOf;
        _plannedEdge = (site, start);
    }

    /// <summary>Gives the planned edge's instant to the member its calendar call starts from (the first one present, as
    /// with <c>??</c>) of a grant (or the account or request), and holds it and asOf while the case is repaired.</summary>
    private void ApplyEdge()
    {
        if (_plannedEdge is not { } plan) return;
        var rootKind = plan.Site.Start[0].Root;
        var root = rootKind switch
        {
            MemberRoot.Grant => _d.Grants.Count > 0 ? _d.Grants[_r.Below(_d.Grants.Count)] : null,
            MemberRoot.Account => _d.Account,
            _ => _d.Request,
        };
        if (root is null) return;
        var chain = new List<(DraftObject Owner, AttributeContract Attribute)>();
        foreach (var m in plan.Site.Start)
        {
            if (m.Root != rootKind || Locate(root, m.Members) is not { } found || found.Attribute.Kind != AttributeKind.Instant) continue;
            chain.Add(found);
        }

        if (chain.Count == 0) return;
        var target = chain.FirstOrDefault(c => c.Owner[c.Attribute] is When);
        if (target.Owner is null) target = chain[0];
        target.Owner[target.Attribute] = new When(plan.Start, _r.Chance(_localShare));
        target.Owner.Locked[target.Attribute.Index] = true;
        _d.AsOfLocked = true;

        // The attributes a check relates to the edge's instant follow it (an issue time not after the confirmation).
        _grant = rootKind == MemberRoot.Grant ? root : null;
        FixPartners(target.Owner, target.Attribute);
        RepairDependents(target.Owner);
        _grant = null;
    }

    private DateTimeZone SiteZone(PeriodSite site)
    {
        if (site.ZoneId is { } id) return Catalogue.TimeZones.Find(id) ?? _d.Zone;
        if (site.Zone is { Root: MemberRoot.Account } m && Locate(_d.Account, m.Members) is { } found)
        {
            var value = found.Owner[found.Attribute] as string ?? found.Attribute.Default as string;
            return Catalogue.TimeZones.Find(value) ?? _d.Zone;
        }

        return _d.Zone;
    }

    /// <summary>The object and attribute a member path names from a root object, walking nested objects that are present.</summary>
    private static (DraftObject Owner, AttributeContract Attribute)? Locate(DraftObject root, IReadOnlyList<string> members)
    {
        if (VersionProfile.Resolve(root.Entity, members) is not { } resolved) return null;
        var owner = root;
        foreach (var through in resolved.Through)
        {
            if (owner[through] is not DraftObject nested) return null;
            owner = nested;
        }

        return (owner, resolved.Attribute);
    }

    private static Instant Max(Instant a, Instant b) => a > b ? a : b;

    private static Instant Min(Instant a, Instant b) => a < b ? a : b;

    // ---- Edges that need the rules' view of the case ---------------------------------------------------------------

    /// <summary>With the grant rules run on the valid case: asOf moved exactly onto (or a tick around) a grant's expiry as the
    /// rules compute it, and an amount the rules compare with the available balance set to exactly that balance (plus
    /// the amounts beside it, such as pending reloads), or one cent either side. Each kept only when the case stays valid.</summary>
    private void BalanceAndExpiryEdges(CreditCase @case)
    {
        if (RulesView(@case) is not { } view) return;
        if (!_d.AsOfLocked && view.Expiries.Length > 0 && _r.Chance(0.35))
        {
            var before = _d.AsOf;
            var at = _r.Pick(view.Expiries) + Tick * _r.Pick([-1L, 0L, 0L, 1L]);
            if (_w.Contains(at) && (_pinned || ReferenceEquals(Catalogue.InForceAt(at), _version)))
            {
                _d.AsOf = at;
                if (TryRead() is { } moved && RulesView(moved) is { } again)
                {
                    view = again;
                }
                else
                {
                    _d.AsOf = before;
                }
            }
        }

        if (!_r.Chance(0.7)) return;
        var amounts = new List<(DraftObject Owner, AttributeContract Attribute)>();
        foreach (var m in _p.NearAvailable)
        {
            var root = m.Root switch { MemberRoot.Account => _d.Account, MemberRoot.Request => _d.Request, _ => null };
            if (root is not null && Locate(root, m.Members) is { } found && found.Attribute.Kind == AttributeKind.Decimal && found.Attribute.Structural == Structural.None)
            {
                amounts.Add(found);
            }
        }

        if (amounts.Count == 0) return;
        var (owner, attribute) = _r.Pick(amounts);
        var value = view.Available;
        foreach (var (o, a) in amounts)
        {
            if (ReferenceEquals(o, owner) && !ReferenceEquals(a, attribute) && o[a] is decimal beside && _r.Chance(0.5)) value += beside;
        }

        value += _r.Pick([0m, 0m, 0m, 0m, 0.01m, -0.01m]);
        if (!InBounds(attribute, value)) return;
        var previous = owner[attribute];
        owner[attribute] = value;
        if (TryRead() is null) owner[attribute] = previous;
    }

    private CreditCase? TryRead() => ReadBack() is { IsValid: true } read ? read.Case : null;

    /// <summary>What the version's grant rules make of the case: the available balance and each grant's expiry; null when a rule fails.</summary>
    private (decimal Available, Instant[] Expiries)? RulesView(CreditCase @case)
    {
        if (Catalogue.VersionFor(@case) is not { } set || !ReferenceEquals(@case.Contract, set.Contract)) return null;
        try
        {
            StepBudget.Begin(StepBudget.DefaultLimit);
            var facts = set.Facts.Create(@case, set, c => PolicyEvaluator.RunGrantRules(set, c, null, null));
            var available = facts.Available;
            var expiries = facts.GrantArray.Where(g => g.HasExpiry && g.Expiry != Instant.MaxValue).Select(g => g.Expiry).ToArray();
            return (available, expiries);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return null;
        }
    }

    private T Pick<T>(params T[] items) => _r.Pick(items);
}
