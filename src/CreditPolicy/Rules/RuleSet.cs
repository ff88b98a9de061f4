using CreditPolicy.Model;
using NodaTime;

namespace CreditPolicy.Rules;

/// <summary>A loaded, validated and fully compiled set of rules: the terms, ready to decide cases. Immutable and thread-safe.</summary>
public sealed class RuleSet
{
    internal RuleSet(
        string directory,
        RuleSetIdentity identity,
        Instant? effectiveFrom,
        IReadOnlyList<string> files,
        IReadOnlyList<CompiledRule> rules)
    {
        Directory = directory;
        Identity = identity;
        EffectiveFrom = effectiveFrom;
        Files = files;
        All = rules;
        Rules = rules.Select(r => r.Info).ToArray();
        var enabled = rules.Where(r => r.Info.Enabled).ToArray();
        ExpiryRules = enabled.Where(r => r.Info.Scope == RuleConventions.Scopes.Grant && r.Info.Effect == RuleConventions.Effects.Expiry).ToArray();
        ExclusionRules = enabled.Where(r => r.Info.Scope == RuleConventions.Scopes.Grant && r.Info.Effect == RuleConventions.Effects.Exclude).ToArray();
        RequestRules = RequestTypes.All.ToDictionary(
            t => t,
            t => (IReadOnlyList<CompiledRule>)enabled.Where(r => r.Info.Scope == RuleConventions.Scopes.Request && r.Info.AppliesTo.Contains(t)).ToArray(),
            StringComparer.Ordinal);
    }

    /// <summary>The directory the rules were loaded from.</summary>
    public string Directory { get; }

    /// <summary>The terms version and content digest every decision cites.</summary>
    public RuleSetIdentity Identity { get; }

    /// <summary>The instant from which this version of the terms is in force (<c>effectiveFrom</c> in <c>terms.json</c>); null when it is in force at every instant.</summary>
    public Instant? EffectiveFrom { get; }

    /// <summary>The files that make up the set, relative to <see cref="Directory"/>, in load order.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Every rule, in evaluation order (file name, then position in the file).</summary>
    public IReadOnlyList<RuleInfo> Rules { get; }

    internal IReadOnlyList<CompiledRule> All { get; }

    internal IReadOnlyList<CompiledRule> ExpiryRules { get; }

    internal IReadOnlyList<CompiledRule> ExclusionRules { get; }

    internal IReadOnlyDictionary<string, IReadOnlyList<CompiledRule>> RequestRules { get; }

    /// <summary>Loads every rule file of a directory holding one version of the terms, validates and compiles every rule, or fails listing every problem.</summary>
    /// <remarks>A directory holding several versions (a <c>versions/</c> folder) loads with <see cref="RuleCatalogue.Load(string)"/>.</remarks>
    /// <exception cref="RuleSetLoadException">Thrown when any file, workflow or rule is invalid, or the directory holds several versions; nothing is loaded.</exception>
    public static RuleSet Load(string directory) => RuleSetLoader.Load(directory);
}
