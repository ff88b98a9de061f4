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
            .Validate(o => o.MaxStepsPerDecision > 0, "CreditPolicyOptions.MaxStepsPerDecision must be greater than zero.")
            .ValidateOnStart();
        services.TryAddSingleton<ICreditPolicy>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<CreditPolicyOptions>>().Value;
            return new CreditPolicyEngine(RuleSet.Load(options.RulesDirectory), options.MaxStepsPerDecision);
        });
        return services;
    }
}
