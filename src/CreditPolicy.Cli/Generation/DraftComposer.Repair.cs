using System.Buffers;
using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Model.Contract;
using NodaTime;

namespace CreditPolicy.Cli.Generation;

/// <summary>Reading a draft back against the catalogue and repairing what the reader names.</summary>
internal sealed partial class DraftComposer
{
    // ---- Reading back and repairing --------------------------------------------------------------------------------

    /// <summary>Writes and reads the draft, repairing what the reader names, until it reads valid or the rounds run out.</summary>
    private CreditCase? Settle(int rounds, out string? failure)
    {
        failure = null;
        for (var round = 0; round < rounds; round++)
        {
            if (ReadBack() is not { } read)
            {
                TrimGrants();
                continue;
            }

            if (read.IsValid) return read.Case!;
            failure = string.Join("; ", read.Problems.Take(5));
            if (!Repair(read.Problems, round)) return null;
        }

        return null;
    }

    private bool Repair(IReadOnlyList<CaseProblem> problems, int round)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var problem in problems)
        {
            if (!seen.Add(problem.Path)) continue;
            var target = _d.Resolve(problem.Path);
            switch (target.Kind)
            {
                case PathKind.AsOf:
                    _d.Unlock();
                    _d.AsOf = Uniform(_w);
                    if (!_pinned && !ReferenceEquals(Catalogue.InForceAt(_d.AsOf), _version)) return false;
                    break;
                case PathKind.Pin:
                    return false;
                case PathKind.Attribute:
                    var (o, a) = (target.Owner!, target.Attribute!);
                    _grant = target.Grant;
                    if (o.Locked[a.Index])
                    {
                        if (!RepairSibling(o, a)) _d.Unlock();
                    }
                    else
                    {
                        RepairAttribute(o, a, round);
                        RepairDependents(o);
                    }

                    break;
                default:
                    return false;
            }
        }

        return true;
    }

    private void RepairAttribute(DraftObject o, AttributeContract a, int round)
    {
        if (a.Kind == AttributeKind.GrantId)
        {
            o[a] = GrantIdInCase() ?? (a.Required ? o[a] : null);
            return;
        }

        if (a.Structural == Structural.GrantId)
        {
            o[a] = NewGrantId(a);
            return;
        }

        var optional = !a.Required && a.Structural == Structural.None;
        if (optional && PresenceSays(a) is { } present)
        {
            o[a] = present ? NewValue(o, a) : null;
            return;
        }

        if (optional && _r.Chance(round < 3 ? 0.35 : 0.6))
        {
            o[a] = null;
            return;
        }

        o[a] = NewValue(o, a);
    }

    /// <summary>A problem names an attribute a calendar edge holds: change another attribute of the same type in the same object instead (an issue time before the confirmation the edge is counted from).</summary>
    private bool RepairSibling(DraftObject o, AttributeContract locked) => FixPartners(o, locked) || RedrawSibling(o, locked);

    /// <summary>Redraws the attributes of the same object that a relation of <paramref name="held"/> names and that it breaks; true when one was changed.</summary>
    private bool FixPartners(DraftObject o, AttributeContract held)
    {
        var changed = false;
        if (_p.Relations.TryGetValue(held, out var relations))
        {
            foreach (var relation in relations)
            {
                if (relation.Other is not { } m || RootFor(m.Root) is not { } root || Locate(root, m.Members) is not { } partner
                    || !ReferenceEquals(partner.Owner, o) || o.Locked[partner.Attribute.Index] || Meets(o[held], relation.Operator, o[partner.Attribute]))
                {
                    continue;
                }

                if (Derive(partner.Attribute, Flip(relation.Operator), o[held]) is { } value)
                {
                    o[partner.Attribute] = value;
                    changed = true;
                }
            }
        }

        return changed;
    }

    private bool RedrawSibling(DraftObject o, AttributeContract locked)
    {

        var candidates = o.Entity.Attributes.Where(x => x.Kind == locked.Kind && !o.Locked[x.Index] && x.Structural == Structural.None).ToArray();
        if (candidates.Length == 0) return false;
        var s = _r.Pick(candidates);
        if (o[locked] is When held && s.Kind == AttributeKind.Instant)
        {
            var at = held.Instant;
            o[s] = new When(_r.Weighted([40, 40, 20]) switch
            {
                0 => at,
                1 => at - Duration.FromSeconds(_r.Long(1, 10 * 86400)),
                _ => at + Duration.FromSeconds(_r.Long(1, 10 * 86400)),
            }, _r.Chance(_localShare));
        }
        else if (!s.Required && _r.Chance(0.3))
        {
            o[s] = null;
        }
        else
        {
            o[s] = NewValue(o, s);
        }

        return true;
    }

    /// <summary>Drops most optional attributes: the fallback when a draft will not settle.</summary>
    private void Simplify()
    {
        void Drop(DraftObject o)
        {
            foreach (var a in o.Entity.Attributes)
            {
                if (o[a] is DraftObject nested) Drop(nested);
                if (!a.Required && a.Structural == Structural.None && a.Kind != AttributeKind.GrantId && _r.Chance(0.7)) o[a] = null;
            }
        }

        Drop(_d.Account);
        foreach (var g in _d.Grants) Drop(g);
        Drop(_d.Request);
    }

    /// <summary>Repeats the grants of a large account's valid draft under new ids until it has as many as were drawn.</summary>
    private void Expand()
    {
        var idAttribute = Contract.Grant.Attributes.First(x => x.Structural == Structural.GrantId);
        var templates = _d.Grants.ToArray();
        for (var i = 0; _d.Grants.Count < _expandTo; i++)
        {
            var copy = templates[i % templates.Length].Clone();
            copy.Unlock();
            copy[idAttribute] = NewGrantId(idAttribute);
            _d.Grants.Add(copy);
        }
    }

    /// <summary>Halves the grants of a case that would exceed the case size limit, keeping the request's grant references valid.</summary>
    private void TrimGrants()
    {
        _d.Grants.RemoveRange(_d.Grants.Count / 2, _d.Grants.Count - _d.Grants.Count / 2);
        var idAttribute = Contract.Grant.Attributes.First(x => x.Structural == Structural.GrantId);
        var ids = new HashSet<string>(_d.Grants.Select(g => (string)g[idAttribute]!), StringComparer.Ordinal);
        foreach (var a in _d.Request.Entity.Attributes.Where(x => x.Kind == AttributeKind.GrantId))
        {
            if (_d.Request[a] is string id && !ids.Contains(id)) _d.Request[a] = GrantIdInCase();
        }
    }

    /// <summary>Writes the draft as UTF-8 (into a pooled buffer, so a large account's megabytes are not allocated afresh on
    /// each round) and reads it back against the catalogue; null when it is longer than a case may be.</summary>
    private CaseReadResult? ReadBack()
    {
        _d.WriteTo(_sb);
        var buffer = ArrayPool<byte>.Shared.Rent(Utf8.GetMaxByteCount(_sb.Length));
        try
        {
            // One encoder across chunks: a surrogate pair may straddle two.
            var encoder = Utf8.GetEncoder();
            var length = 0;
            foreach (var chunk in _sb.GetChunks()) length += encoder.GetBytes(chunk.Span, buffer.AsSpan(length), flush: false);
            length += encoder.GetBytes([], buffer.AsSpan(length), flush: true);
            return length > CaseLimits.MaxBytes - 1024 ? null : Catalogue.ReadCase(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
