using CreditPolicy.Records;
using CreditPolicy.Rules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CreditPolicy;

/// <summary>Registers CreditPolicy with a service collection.</summary>
public static class CreditPolicyServiceCollectionExtensions
{
    /// <summary>Registers a singleton <see cref="ICreditPolicy"/> over the rules in <see cref="CreditPolicyOptions.RulesDirectory"/>.</summary>
    /// <remarks>
    /// The rule set loads when the policy is first resolved; with a host, <c>ValidateOnStart</c> checks the
    /// options at start-up. A rule set that does not load throws <see cref="RuleSetLoadException"/> listing every problem.
    /// Every <see cref="IDecisionSink"/> registered (for example with <see cref="AddDecisionLog"/>, before or after
    /// this call) receives every decision.
    /// <code>services.AddCreditPolicy(o => o.RulesDirectory = "rules");</code>
    /// </remarks>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="services"/> or <paramref name="configure"/> is null.</exception>
    public static IServiceCollection AddCreditPolicy(this IServiceCollection services, Action<CreditPolicyOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<CreditPolicyOptions>()
            .Configure(configure)
            .Validate(o => !string.IsNullOrWhiteSpace(o.RulesDirectory), "CreditPolicyOptions.RulesDirectory is required: the directory holding terms.json and the rule files.")
            .Validate(o => string.IsNullOrWhiteSpace(o.RulesDirectory) || Directory.Exists(o.RulesDirectory), "CreditPolicyOptions.RulesDirectory does not exist.")
            .ValidateOnStart();
        services.TryAddSingleton<ICreditPolicy>(sp =>
        {
            var sinks = sp.GetServices<IDecisionSink>().ToArray();
            IDecisionSink? sink = sinks.Length switch
            {
                0 => null,
                1 => sinks[0],
                _ => new CompositeDecisionSink(sinks),
            };
            return new CreditPolicyEngine(RuleSet.Load(sp.GetRequiredService<IOptions<CreditPolicyOptions>>().Value.RulesDirectory), sink);
        });
        return services;
    }

    /// <summary>Registers an <see cref="NdjsonDecisionLog"/> appending every decision of the <see cref="ICreditPolicy"/> to a file.</summary>
    /// <remarks>
    /// The file opens when the policy is first resolved and is closed when the container is disposed.
    /// <code>services.AddCreditPolicy(o => o.RulesDirectory = "rules").AddDecisionLog("decisions.ndjson");</code>
    /// </remarks>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="services"/> is null.</exception>
    /// <exception cref="ArgumentException">Thrown when <paramref name="path"/> is null or empty.</exception>
    public static IServiceCollection AddDecisionLog(this IServiceCollection services, string path)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        services.AddSingleton<IDecisionSink>(_ => new NdjsonDecisionLog(full));
        return services;
    }
}
