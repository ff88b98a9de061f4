using CreditPolicy.Model;
using NodaTime;

namespace CreditPolicy.Tests.Oracle;

/// <summary>
/// The Supplemental Credit Terms (A.1–B.3) and the design's default semantics written out as plain C#,
/// independently of the rule files and the evaluator, to check them against.
/// </summary>
/// <remarks>
/// Shares no code with <c>CreditPolicy.Rules</c> or <c>CreditPolicy.Evaluation</c>: it reads the case through the
/// generic model (structural members and <c>Get("name")</c> for the attributes the bundled vocabulary declares) and
/// uses NodaTime for zones, nothing else. Calendar arithmetic is done by hand (add one to the year, clamp
/// the day to the month, then map the local time into the zone: a skipped time moves forward by the gap, a
/// repeated time takes its earlier occurrence). It cites the bundled rules' names and clauses, because which
/// rules decide, and in what order, is part of what is compared; messages are its own and are not compared.
/// Only valid cases are put to it (a <see cref="CreditCase"/> can only be read valid).
/// </remarks>
internal static class TermsOracle
{
    public static readonly RuleSetIdentity Identity = new("oracle", "oracle", "oracle");

    /// <summary>What the terms say of a grant at asOf: its expiry, under which term, and why it cannot be used.</summary>
    internal sealed record GrantView(CaseGrant Grant, Instant Expiry, string ExpiryRule, bool ByClosure, IReadOnlyList<(string Rule, string Clause)> Exclusions)
    {
        public bool Available => Exclusions.Count == 0;
    }

    public static Decision Decide(CreditCase c)
    {
        var zone = DateTimeZoneProviders.Tzdb[Text(c.Account, "timeZone")];
        var views = c.Grants.Select(g => View(c, zone, g)).ToArray();
        var available = views.Where(v => v.Available).Sum(v => v.Grant.Remaining);
        var closed = Text(c.Account, "status") == "closed";
        var r = c.Request;
        var maintenance = (CaseObject)c.Account.Get("balanceMaintenance")!;
        var m = maintenance.Present ? new Maintenance(maintenance) : null;

        switch (r.Type)
        {
            case "refund":
                return Deny(c, ("refund-denied", "B.1"));
            case "cashOut":
                return Deny(c, ("cash-out-denied", "B.1"));
            case "transfer":
                return Deny(c, ("transfer-denied", "B.2"));
            case "sell":
                return Deny(c, ("sale-denied", "B.2"));

            case "use":
            {
                var reasons = new List<Reason>();
                if (closed) reasons.Add(Why("use-on-closed-account", "B.1"));
                var amount = (decimal)r.Get("amount")!;
                if (Text(r, "requestedBy") != c.Account.Id) reasons.Add(Why("use-by-non-holder", "B.2"));
                if (available < amount)
                {
                    // Usage must be covered by credits; say why each grant that could not help was unavailable.
                    reasons.Add(Why("use-insufficient-credits", "A.1"));
                    foreach (var v in views.OrderBy(v => v.Grant.Id, StringComparer.Ordinal))
                    {
                        foreach (var (rule, clause) in v.Exclusions) reasons.Add(Why(rule, clause, v.Grant.Id));
                    }
                }

                if (reasons.Count > 0) return Deny(c, reasons);
                var left = amount;
                var allocations = new List<Allocation>();
                foreach (var v in views.Where(v => v.Available && v.Grant.Remaining > 0m).OrderBy(v => v, DrawOrder.Instance))
                {
                    if (left == 0m) break;
                    var take = v.Grant.Remaining < left ? v.Grant.Remaining : left;
                    allocations.Add(new Allocation(v.Grant.Id, v.Grant.Kind, take));
                    left -= take;
                }

                return Permit(c, [Why("use-draws-credits", "A.1")], allocations: allocations);
            }

            case "closeAccount":
            {
                if (closed) return Deny(c, ("close-already-closed-account", "B.1"));
                var reasons = new List<Reason> { Why("closure-forfeits-credits", "B.1") };
                if (m is { Enabled: true } bm && !OptedOut(bm, c.AsOf)) reasons.Add(Why("closure-ends-balance-maintenance", "B.3"));
                var forfeitures = views
                    .Where(v => v.Available && v.Grant.Remaining > 0m)
                    .OrderBy(v => v.Grant.Id, StringComparer.Ordinal)
                    .Select(v => new Forfeiture(v.Grant.Id, v.Grant.Kind, v.Grant.Remaining, c.AsOf))
                    .ToArray();
                return Permit(c, reasons, forfeitures: forfeitures);
            }

            case "restore":
            {
                var target = views.Single(v => v.Grant.Id == r.TargetGrantId);
                var lost = c.AsOf >= target.Expiry;
                if (lost && target.ByClosure) return Deny(c, ("restore-forfeited-credit", "B.1"));
                if (lost) return Deny(c, ("restore-expired-credit", "B.1"));
                return Permit(c, [Why("restore-live-credit", "B.1")]);
            }

            case "expirations":
            {
                var until = (Instant?)r.Get("until");
                var list = views
                    .Where(v => until is null || v.Expiry <= until.Value)
                    .OrderBy(v => v.Expiry)
                    .ThenBy(v => v.Grant.Id, StringComparer.Ordinal)
                    .Select(v => new Expiration(v.Grant.Id, v.Grant.Kind, v.Expiry, v.ExpiryRule, "B.1", c.AsOf >= v.Expiry, v.Grant.Remaining))
                    .ToArray();
                return Permit(c, [Why("expirations-listed", "B.1")], expirations: list);
            }

            case "reload":
            {
                var enabled = m is { Enabled: true };
                var reasons = new List<Reason>();
                if (!enabled) reasons.Add(Why("reload-service-not-active", "B.3"));
                if (m is not null && OptedOut(m, c.AsOf)) reasons.Add(Why("reload-opted-out", "B.3"));
                if (closed) reasons.Add(Why("reload-account-closed", "B.3"));
                if (enabled && !m!.PaymentMethodOnFile) reasons.Add(Why("reload-no-payment-method", "B.3"));
                if (enabled && available + m!.Pending > m.Threshold) reasons.Add(Why("reload-above-threshold", "B.3"));
                if (reasons.Count > 0) return Deny(c, reasons);
                return Permit(c, [Why("reload-due", "B.3")], reload: new ReloadCharge(m!.ReloadAmount, c.AsOf.InZone(zone).Date));
            }

            case "balance":
            {
                var byKind = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
                foreach (var v in views.Where(v => v.Available))
                {
                    byKind[v.Grant.Kind] = byKind.GetValueOrDefault(v.Grant.Kind) + v.Grant.Remaining;
                }

                return Permit(c, [Why("balance-reported", "B.1")], balance: new BalanceReport(available, byKind));
            }

            default:
                throw new ArgumentException($"not a request type: {r.Type}", nameof(c));
        }
    }

    /// <summary>B.1 expiry, closure, A.1 confirmation and B.2 holding, for one grant.</summary>
    internal static GrantView View(CreditCase c, DateTimeZone zone, CaseGrant g)
    {
        var issuedAt = (Instant)g.Get("issuedAt")!;
        var confirmedAt = (Instant?)g.Get("confirmedAt");
        var indicatedExpiry = (Instant?)g.Get("expiresAt");
        // B.1: usage credits expire one calendar year from the Confirmation Notice (or issue); promotional
        // credits at the time indicated, else one calendar year from issue.
        var (expiry, rule) = g.Kind == "usage"
            ? (OneCalendarYearLater(confirmedAt ?? issuedAt, zone), "usage-credit-expiry")
            : indicatedExpiry is { } indicated
                ? (indicated, "promotional-indicated-expiry")
                : (OneCalendarYearLater(issuedAt, zone), "promotional-default-expiry");

        // B.1: credits also expire when the account closes, unless they had already expired by then. A grant
        // issued to an account that was already closed expires as it is issued, never before.
        var byClosure = false;
        if ((Instant?)c.Account.Get("closedAt") is { } closedAt)
        {
            var atClosure = closedAt > issuedAt ? closedAt : issuedAt;
            if (atClosure < expiry)
            {
                expiry = atClosure;
                rule = "closure-expires-credits";
                byClosure = true;
            }
        }

        var exclusions = new List<(string, string)>();
        if (c.AsOf >= expiry) exclusions.Add(byClosure ? ("grant-forfeited-at-closure", "B.1") : ("grant-expired", "B.1"));

        // A.1: a purchase becomes effective when the Confirmation Notice is sent; other credits are given, not bought.
        // A grant without a source has its kind's: purchase for usage credits.
        if (g.Kind == "usage" && Text(g, "source") == "purchase" && !(confirmedAt <= c.AsOf))
        {
            exclusions.Add(("purchase-awaiting-confirmation", "A.1"));
        }

        // B.2: only the holder of the account the credits are associated with may use them.
        if (Text(g, "holderAccountId") != c.Account.Id) exclusions.Add(("grant-held-by-another-account", "B.2"));
        return new GrantView(g, expiry, rule, byClosure, exclusions);
    }

    /// <summary>The same local date and time one year on in the zone: Feb 29 becomes Feb 28; a skipped time moves forward by the gap; a repeated time takes its earlier occurrence.</summary>
    internal static Instant OneCalendarYearLater(Instant start, DateTimeZone zone)
    {
        var local = start.InZone(zone).LocalDateTime;
        var year = local.Year + 1;
        var day = Math.Min(local.Day, DateTime.DaysInMonth(year, local.Month));
        var target = new LocalDateTime(year, local.Month, day, local.Hour, local.Minute, local.Second).PlusTicks(local.TickOfSecond);
        var mapping = zone.MapLocal(target);
        return mapping.Count switch
        {
            1 => mapping.Single().ToInstant(),
            2 => mapping.First().ToInstant(),
            // In a gap: read the wall time with the offset in force before the gap, which lands as far after
            // the transition as the wall time is into the gap.
            _ => new OffsetDateTime(target, mapping.EarlyInterval.WallOffset).ToInstant(),
        };
    }

    /// <summary>B.3 "until Customer opts out": an opt-out dated after asOf has not happened yet at asOf.</summary>
    private static bool OptedOut(Maintenance m, Instant asOf) => m.OptedOutAt is { } at && at <= asOf;

    private static string Text(CaseObject o, string name) => (string)o.Get(name)!;

    /// <summary>The Balance Maintenance settings as the terms speak of them (B.3).</summary>
    private sealed record Maintenance(bool Enabled, decimal Threshold, decimal ReloadAmount, bool PaymentMethodOnFile, Instant? OptedOutAt, decimal Pending)
    {
        public Maintenance(CaseObject o)
            : this((bool)o.Get("enabled")!, (decimal)o.Get("threshold")!, (decimal)o.Get("reloadAmount")!, (bool)o.Get("paymentMethodOnFile")!,
                (Instant?)o.Get("optedOutAt"), (decimal)o.Get("pendingReloadAmount")!)
        {
        }
    }

    private static Reason Why(string rule, string clause, string? grantId = null) => new(rule, clause, "oracle", grantId);

    private static Decision Deny(CreditCase c, (string Rule, string Clause) reason) => Deny(c, [Why(reason.Rule, reason.Clause)]);

    private static Decision Deny(CreditCase c, IReadOnlyList<Reason> reasons) =>
        new(Outcome.Deny, reasons, [], [], [], null, null, null, Identity, c.AsOf);

    private static Decision Permit(
        CreditCase c,
        IReadOnlyList<Reason> reasons,
        IReadOnlyList<Allocation>? allocations = null,
        IReadOnlyList<Forfeiture>? forfeitures = null,
        IReadOnlyList<Expiration>? expirations = null,
        ReloadCharge? reload = null,
        BalanceReport? balance = null) =>
        new(Outcome.Permit, reasons, allocations ?? [], forfeitures ?? [], expirations ?? [], reload, balance, null, Identity, c.AsOf);

    /// <summary>Policy where the terms are silent: soonest expiry, promotional before usage, older first, then id.</summary>
    private sealed class DrawOrder : IComparer<GrantView>
    {
        public static readonly DrawOrder Instance = new();

        public int Compare(GrantView? a, GrantView? b)
        {
            var cmp = a!.Expiry.CompareTo(b!.Expiry);
            if (cmp != 0) return cmp;
            cmp = Rank(a.Grant.Kind).CompareTo(Rank(b.Grant.Kind));
            if (cmp != 0) return cmp;
            cmp = ((Instant)a.Grant.Get("issuedAt")!).CompareTo((Instant)b.Grant.Get("issuedAt")!);
            return cmp != 0 ? cmp : string.CompareOrdinal(a.Grant.Id, b.Grant.Id);
        }

        private static int Rank(string kind) => kind == "promotional" ? 0 : 1;
    }
}
