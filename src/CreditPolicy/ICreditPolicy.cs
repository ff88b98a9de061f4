using CreditPolicy.Json;
using CreditPolicy.Model;
using CreditPolicy.Rules;

namespace CreditPolicy;

/// <summary>Decides what may happen to credits under the terms. Thread-safe; register one as a singleton.</summary>
public interface ICreditPolicy
{
    /// <summary>Every version of the terms decisions are made with; each decision names the version that decided it in <see cref="Decision.Rules"/>.</summary>
    RuleCatalogue Catalogue { get; }

    /// <summary>Decides a case. Never throws for a bad case or a failing rule: those give <see cref="Outcome.Indeterminate"/>.</summary>
    /// <remarks>The decision carries its <see cref="Decision.Record"/> and has been handed to the registered decision sink, if any.</remarks>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="case"/> is null.</exception>
    /// <exception cref="IOException">Thrown when a registered decision sink cannot record the decision; do not act on it.</exception>
    Decision Decide(CreditCase @case);

    /// <summary>Decides a case and returns every rule run to reach the decision, in order, with the values each rule looked at.</summary>
    /// <remarks>The decision is the one <see cref="Decide"/> gives, byte for byte; tracing costs only this call.</remarks>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="case"/> is null.</exception>
    /// <exception cref="IOException">Thrown when a registered decision sink cannot record the decision; do not act on it.</exception>
    Explanation Explain(CreditCase @case);

    /// <summary>Reads a case from UTF-8 JSON against the vocabulary of the version of the terms that will decide it.</summary>
    /// <remarks>Never throws for bad input: the result lists every problem with its JSON path, line and column.</remarks>
    CaseReadResult ReadCase(ReadOnlySpan<byte> utf8Json) => Catalogue.ReadCase(utf8Json);

    /// <summary>Reads a case from JSON text against the vocabulary of the version of the terms that will decide it.</summary>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="json"/> is null.</exception>
    CaseReadResult ReadCase(string json) => Catalogue.ReadCase(json);
}
