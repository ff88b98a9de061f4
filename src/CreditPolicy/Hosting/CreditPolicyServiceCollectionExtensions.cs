using CreditPolicy.Records;
using CreditPolicy.Rules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NodaTime;

namespace CreditPolicy;

/// <summary>Registers CreditPolicy with a service collection.</summary>
public static class CreditPolicyServiceCollectionExtensions
{
    /// <summary>Registers a singleton <see cref="ICreditPolicy"/> over the rules in <see cref="CreditPolicyOptions.RulesDirectory"/>, reloading them safely when they change, and its <see cref="ICreditPolicyStatus"/>.</summary>
    /// <remarks>
    /// Both services are one <see cref="ReloadingCreditPolicy"/>. The rules load, and must pass their scenarios, when it is
    /// first resolved; with a host, <c>ValidateOnStart</c> checks the options at start-up. Rules that do not load or fail
    /// a scenario throw <see cref="RuleSetLoadException"/> listing every problem. It logs through the container's
    /// <see cref="ILogger{T}"/> when logging is registered, and stamps its status with the container's
    /// <see cref="IClock"/> when one is registered, else the system clock (status only: decisions use the case's <c>asOf</c>).
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
            .Validate(o => !string.IsNullOrWhiteSpace(o.RulesDirectory), "CreditPolicyOptions.RulesDirectory is required: the directory holding terms.json and the rule files, or versions/.")
            .Validate(o => o.ReloadDebounce >= TimeSpan.Zero, "CreditPolicyOptions.ReloadDebounce must not be negative.")
            .Validate(o => o.PollInterval is null || o.PollInterval > TimeSpan.Zero, "CreditPolicyOptions.PollInterval must be positive when set.")
            .Validate(o => o.MaxStepsPerDecision > 0, "CreditPolicyOptions.MaxStepsPerDecision must be greater than zero.")
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CreditPolicyOptions>, RulesDirectoryExists>());
        services.TryAddSingleton(sp => new ReloadingCreditPolicy(
            sp.GetRequiredService<IOptions<CreditPolicyOptions>>().Value,
            sp.GetService<ILogger<ReloadingCreditPolicy>>() ?? NullLogger<ReloadingCreditPolicy>.Instance,
            // The clock stamps the status (loadedAt, last attempt) only; no decision reads it.
            sp.GetService<IClock>() ?? SystemClock.Instance,
            CombinedSink(sp)));
        services.TryAddSingleton<ICreditPolicy>(sp => sp.GetRequiredService<ReloadingCreditPolicy>());
        services.TryAddSingleton<ICreditPolicyStatus>(sp => sp.GetRequiredService<ReloadingCreditPolicy>());
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

    private static IDecisionSink? CombinedSink(IServiceProvider sp)
    {
        var sinks = sp.GetServices<IDecisionSink>().ToArray();
        return sinks.Length switch
        {
            0 => null,
            1 => sinks[0],
            _ => new CompositeDecisionSink(sinks),
        };
    }

    private sealed class RulesDirectoryExists : IValidateOptions<CreditPolicyOptions>
    {
        public ValidateOptionsResult Validate(string? name, CreditPolicyOptions options) =>
            string.IsNullOrWhiteSpace(options.RulesDirectory) || Directory.Exists(options.RulesDirectory)
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail($"CreditPolicyOptions.RulesDirectory '{options.RulesDirectory}' does not exist (resolved to {Path.GetFullPath(options.RulesDirectory)}).");
    }
}
