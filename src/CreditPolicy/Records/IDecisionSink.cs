using CreditPolicy.Model;

namespace CreditPolicy.Records;

/// <summary>Receives every decision an <see cref="ICreditPolicy"/> makes, with the case it answered, for example to keep an audit log.</summary>
/// <remarks>
/// The policy calls <see cref="Write"/> once per decision, before returning it, from whichever thread decided;
/// implementations must be thread-safe. A sink that throws makes the call to the policy throw: a decision
/// that could not be recorded is not handed out to be acted on.
/// </remarks>
public interface IDecisionSink
{
    /// <summary>Records one decision and the case it answered.</summary>
    /// <exception cref="IOException">Thrown when the decision cannot be recorded.</exception>
    void Write(CreditCase @case, Decision decision);
}
