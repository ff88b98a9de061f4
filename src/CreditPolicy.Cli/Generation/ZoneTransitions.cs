using System.Collections.Concurrent;
using NodaTime;

namespace CreditPolicy.Cli.Generation;

/// <summary>A change of a zone's offset: the instant and the wall offsets before and after it (a gap when the offset grows, an overlap when it shrinks).</summary>
internal readonly record struct Transition(Instant At, Offset Before, Offset After)
{
    /// <summary>The first local time skipped (gap) or repeated (overlap) at the transition.</summary>
    public LocalDateTime FirstLocal => At.WithOffset(Before < After ? Before : After).LocalDateTime;

    /// <summary>How long the gap or overlap lasts.</summary>
    public Duration Span => Duration.FromSeconds(Math.Abs(After.Seconds - Before.Seconds));
}

/// <summary>The offset transitions of zones from 1970 to 2060, computed once per zone and shared.</summary>
internal static class ZoneTransitions
{
    private static readonly Instant From = Instant.FromUtc(1970, 1, 1, 0, 0);

    private static readonly Instant To = Instant.FromUtc(2060, 1, 1, 0, 0);

    private static readonly ConcurrentDictionary<(string Id, object Provider), Transition[]> Cache = new();

    /// <summary>Every transition of the zone between 1970 and 2060, in order.</summary>
    public static Transition[] Of(DateTimeZone zone, object provider) =>
        Cache.GetOrAdd((zone.Id, provider), _ =>
        {
            var list = new List<Transition>();
            foreach (var interval in zone.GetZoneIntervals(From, To))
            {
                if (!interval.HasStart || interval.Start <= From) continue;
                var before = zone.GetZoneInterval(interval.Start - Duration.Epsilon).WallOffset;
                if (before != interval.WallOffset) list.Add(new Transition(interval.Start, before, interval.WallOffset));
            }

            return list.ToArray();
        });

    /// <summary>The transitions in [<paramref name="start"/>, <paramref name="end"/>).</summary>
    public static ReadOnlySpan<Transition> Between(Transition[] all, Instant start, Instant end)
    {
        if (end <= start) return [];
        var lo = LowerBound(all, start);
        var hi = LowerBound(all, end);
        return all.AsSpan(lo, hi - lo);
    }

    private static int LowerBound(Transition[] all, Instant at)
    {
        int lo = 0, hi = all.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (all[mid].At < at) lo = mid + 1;
            else hi = mid;
        }

        return lo;
    }
}
