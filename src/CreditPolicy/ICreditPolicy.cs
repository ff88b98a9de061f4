using CreditPolicy.Evaluation;
using CreditPolicy.Model;
using CreditPolicy.Rules;

namespace CreditPolicy;

/// <summary>Decides what may happen to credits under the terms. Thread-safe; register one as a singleton.</summary>
public interface ICreditPolicy
{
    /// <summary>Every version of the terms decisions are made with; each decision names the version that decided it in <see cref="Decision.Rules"/>.</summary>
    RuleCatalogue Catalogue { get; }

    /// <summary>Decides a case. Never throws for a bad case or a failing rule: those give <see cref="Outcome.Indeterminate"/>.</summary>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="case"/> is null.</exception>
    Decision Decide(CreditCase @case);

    /// <summary>Decides a case and returns every rule run to reach the decision, in order.</summary>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="case"/> is null.</exception>
    Evaluation.Evaluation Explain(CreditCase @case);
}
