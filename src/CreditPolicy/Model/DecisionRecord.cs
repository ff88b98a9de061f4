namespace CreditPolicy.Model;

/// <summary>What makes a decision reproducible and citable: its id, the digest of the case it answered and the library that made it.</summary>
/// <remarks>
/// Together with the decision's <see cref="Decision.Rules"/> (terms version and rule-file digest) and
/// <see cref="Decision.AsOf"/>, the record names everything the decision is a function of. The id is
/// derived from the case, the rule-set digest and the library version, never drawn at random or
/// from a clock: re-evaluating a recorded case under the recorded rule set with the same library gives
/// the same id and so the same bytes, and a retried question gets the id of its first answer.
/// </remarks>
/// <param name="Id"><c>dec_</c> and 32 hex digits of sha256 over the canonical case, the rule-set digest and the library version.</param>
/// <param name="CaseDigest"><c>sha256:</c> and the hex digest of the case's canonical serialisation (see <see cref="Json.CanonicalCase"/>).</param>
/// <param name="LibraryVersion">The informational version of the CreditPolicy library that decided, for example <c>0.1.0+67a939d</c>.</param>
public sealed record DecisionRecord(string Id, string CaseDigest, string LibraryVersion);
