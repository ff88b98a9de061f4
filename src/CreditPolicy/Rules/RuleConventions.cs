namespace CreditPolicy.Rules;

/// <summary>The names CreditPolicy reads from a RulesEngine rule's <c>Properties</c>, and their allowed values.</summary>
/// <remarks>
/// A rule file is one RulesEngine workflow. Each rule's <c>Expression</c> is its condition and its
/// <c>SuccessEvent</c> the message a decision cites. <c>Properties</c> say what the rule does when its
/// condition holds:
/// <list type="bullet">
/// <item><c>scope: grant</c> rules run once per grant with <c>c</c> and <c>g</c> in scope. <c>effect: expiry</c>
/// proposes <c>expiresAt</c> (the earliest proposal wins; its <c>status</c>, default <c>expired</c>, names
/// what passing it means); <c>effect: exclude</c> makes the grant unavailable with a <c>status</c>.</item>
/// <item><c>scope: request</c> rules run for the request types in <c>appliesTo</c> with <c>c</c> in scope.
/// <c>effect: deny</c> denies; <c>effect: permit</c> permits unless a deny rule fired, and may
/// <c>produce</c> an effect of the decision; <c>effect: note</c> adds its reason to a permit.</item>
/// </list>
/// </remarks>
internal static class RuleConventions
{
    /// <summary>The name of the manifest file in a rule directory.</summary>
    public const string TermsFile = "terms.json";

    /// <summary>The name of the file declaring a version's case vocabulary.</summary>
    public const string VocabularyFile = VocabularyLoader.FileName;

    /// <summary>The folder of a rule directory that holds several versions of the terms, one complete rule directory per version, named by its <c>termsVersion</c>.</summary>
    public const string VersionsFolder = "versions";

    /// <summary>The clause of the terms a rule enforces (required), for example the clause id in the terms' numbering.</summary>
    public const string Clause = "clause";
    /// <summary><c>grant</c> or <c>request</c> (required).</summary>
    public const string Scope = "scope";
    /// <summary>What the rule does when its expression holds (required).</summary>
    public const string Effect = "effect";
    /// <summary>The request types a request rule runs for (required for request rules).</summary>
    public const string AppliesTo = "appliesTo";
    /// <summary>For grant rules: the status an exclusion gives, or that passing an expiry means.</summary>
    public const string Status = "status";
    /// <summary>For expiry rules: the expression giving the expiry instant.</summary>
    public const string ExpiresAt = "expiresAt";
    /// <summary>For expiry rules: instead of <c>expiresAt</c>, <c>true</c> to say the grants it matches never expire.</summary>
    public const string NeverExpires = "neverExpires";
    /// <summary>For permit rules: which effect of the decision the rule produces (see <c>EffectModules</c>).</summary>
    public const string Produces = "produces";
    /// <summary>For deny rules: also cite the exclusion rules that made grants unavailable.</summary>
    public const string ExplainExclusions = "explainExclusions";
    /// <summary>Free text for authors; not read by the evaluator.</summary>
    public const string Description = "description";

    /// <summary>Rule scopes.</summary>
    public static class Scopes
    {
        /// <summary>Runs once per grant.</summary>
        public const string Grant = "grant";
        /// <summary>Runs once per case, for the request types in <c>appliesTo</c>.</summary>
        public const string Request = "request";
    }

    /// <summary>Rule effects.</summary>
    public static class EffectKinds
    {
        /// <summary>Grant rule: proposes an expiry instant.</summary>
        public const string Expiry = "expiry";
        /// <summary>Grant rule: makes the grant unavailable.</summary>
        public const string Exclude = "exclude";
        /// <summary>Request rule: denies.</summary>
        public const string Deny = "deny";
        /// <summary>Request rule: permits unless a deny rule fired.</summary>
        public const string Permit = "permit";
        /// <summary>Request rule: adds its reason to a permit.</summary>
        public const string Note = "note";
    }
}
