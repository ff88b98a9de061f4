using CreditPolicy.Rules;
using System.Diagnostics;
using System.Linq.Expressions;
using System.Reflection;
using Newtonsoft.Json.Linq;
using NodaTime;

namespace CreditPolicy.Tests.Rules;

/// <summary>The vocabulary rule expressions may use, checked when the rule set loads (through <see cref="RuleSet.Load"/>).</summary>
public sealed class ExpressionSandboxTests
{
    /// <summary>An expression that must not load, and the cause the problem must give.</summary>
    public static TheoryData<string, string> Rejected => new()
    {
        { "\"x\".GetType().Assembly.FullName != null", "reflection is not available to rules" },
        { "DateTime.Now.Year > 2000", "the clock is not available to rules: asOf is the only now" },
        { "DateTimeOffset.UtcNow.Year > 2000", "the clock is not available to rules: asOf is the only now" },
        { "Enumerable.Range(0, 100).Count() > 1", "Enumerable.Range is not in the rule vocabulary" },
        { "c.Request.Amount > 1.5", "money is decimal in rules too" },
        { "c.Request.Amount > 1.5d", "money is decimal in rules too" },
        { "1.5 > 1", "'1.5' is a floating-point number; money is decimal in rules too" },
        { "Math.Pow(2, 3) > 1", "floating-point number" },
        { "Cal.PlusInZone(c.AsOf, \"P1X\", \"Etc/UTC\") > c.AsOf", "\"P1X\" is not an ISO-8601 period such as P1Y or P18M." },
        { "Cal.DateInZone(c.AsOf, \"Mars/Olympus\").Year > 0", "\"Mars/Olympus\" is not an IANA time zone id." },
        { "c.AsOf.ToUnixTimeTicks() > 0", "Method 'ToUnixTimeTicks' on type 'Instant' is not accessible" },
        { "c.Account.Id.GetHashCode() != 0", "GetHashCode is not in the rule vocabulary" },
        { "Guid.NewGuid() != Guid.Empty", "which rules may not use" },
    };

    [Theory]
    [MemberData(nameof(Rejected))]
    public void Load_ExpressionOutsideVocabulary_FailsNamingTheRule(string expression, string cause)
    {
        using var copy = new TempRuleDirectory();
        copy.SetExpression("cash-value.json", "refund-denied", expression);

        var ex = copy.LoadFails();

        Assert.NotEmpty(ex.Problems);
        Assert.All(ex.Problems, p =>
        {
            Assert.Equal(("cash-value.json", "cash-value", "refund-denied"), (p.File, p.Workflow, p.Rule));
            Assert.StartsWith("Expression: ", p.Message, StringComparison.Ordinal);
        });
        Assert.Contains(ex.Problems, p => p.Message.Contains(cause, StringComparison.Ordinal));
        Assert.Contains("workflow 'cash-value', rule 'refund-denied': Expression: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ForbiddenExpressionInExpiresAt_FailsNamingTheField()
    {
        using var copy = new TempRuleDirectory();
        copy.EditRule("expiry.json", "usage-credit-expiry", r => r["Properties"]!["expiresAt"] = "DateTime.Now.Year > 2000 ? g.IssuedAt : c.AsOf");

        var ex = copy.LoadFails();

        Assert.All(ex.Problems, p => Assert.Equal("usage-credit-expiry", p.Rule));
        Assert.Contains(ex.Problems, p => p.Message.StartsWith("Properties.expiresAt: ", StringComparison.Ordinal)
            && p.Message.Contains("the clock is not available to rules", StringComparison.Ordinal));
    }

    /// <summary>
    /// Regression: System.Linq.Dynamic.Core re-parses a double literal as decimal when it meets a decimal, using the
    /// text cached (process-wide, keyed by value) for the first literal of that value it ever parsed. Without a check
    /// of its own the sandbox sees a decimal or a double depending on what the process parsed before.
    /// </summary>
    [Fact]
    public void Load_FloatingPointLiteralAgainstDecimal_RejectedWhateverWasParsedBefore()
    {
        using var copy = new TempRuleDirectory();
        copy.SetExpression("cash-value.json", "refund-denied", "c.Request.Amount > 2.75");
        var first = Record.Exception(copy.Load);
        copy.SetExpression("cash-value.json", "refund-denied", "c.Request.Amount > 3.25d");
        var suffixed = Record.Exception(copy.Load);

        var ex = Assert.IsType<RuleSetLoadException>(first);
        Assert.Contains(ex.Problems, p => p.Rule == "refund-denied" && p.Message.Contains("money is decimal in rules too", StringComparison.Ordinal));
        var ex2 = Assert.IsType<RuleSetLoadException>(suffixed);
        Assert.Contains(ex2.Problems, p => p.Rule == "refund-denied" && p.Message.Contains("money is decimal in rules too", StringComparison.Ordinal));
    }

    public static TheoryData<string> Allowed =>
    [
        "c.Grants.Any(x => x.Remaining > 0m)",
        "c.Target.Remaining > 1.5m",
        "c.Target.Remaining > 2",
        "c.Account.Id.StartsWith(\"acct\")",
        "c.Grants.Where(x => x.Kind == \"usage\").Sum(x => x.Remaining) >= 0m",
        "Math.Max(c.Available, 1m) > 0m",
        "c.AvailableOf(\"promotional\") >= 0m",
        "c.Account.BalanceMaintenance.OptedOutAt == null || c.Account.BalanceMaintenance.OptedOutAt.Value < c.AsOf",
        "Cal.PlusInZone(c.AsOf, \"P18M\", c.Account.TimeZone) > c.AsOf",
        "Cal.DateInZone(c.AsOf, \"Pacific/Apia\").Year > 2000",
        "Cal.Earliest(c.AsOf, c.AsOf) == c.AsOf",
        "c.Account.TimeZone.ToLowerInvariant().Contains(\"toronto\")",
    ];

    [Theory]
    [MemberData(nameof(Allowed))]
    public void Load_ExpressionInVocabulary_Loads(string expression)
    {
        using var copy = new TempRuleDirectory();
        copy.SetExpression("cash-value.json", "refund-denied", expression);

        var set = copy.Load();

        var rule = Assert.Single(set.Rules, r => r.Name == "refund-denied");
        Assert.Equal(expression, rule.Expression);
        Assert.False(rule.Unconditional);
    }

    // Hostile input, generated cases and the sandbox (the trust suite).

    /// <summary>Hostile rule expressions and a fragment of the message that rejects each.</summary>
    public static TheoryData<string, string> HostileExpressions() => new()
    {
        // Reflection
        { "\"x\".GetType().Assembly.FullName != null", "reflection is not available to rules" },
        { "c.GetType().Name == \"CaseFacts\"", "reflection is not available to rules" },
        { "c.Account.Id.GetType().Assembly.GetType(\"System.IO.File\") != null", "Method 'GetType' on type 'Assembly' is not accessible" },
        { "typeof(string).Name == \"String\"", "'.' or '(' or string literal expected" },
        { "Type.GetType(\"System.IO.File\") != null", "Type 'Type' not found" },
        { "Activator.CreateInstance(\"x\", \"y\") != null", "Type 'Activator' not found" },
        { "AppDomain.CurrentDomain.FriendlyName != null", "not found" },
        // Files, processes, network, environment, console
        { "System.IO.File.Exists(\"/etc/passwd\")", "Type 'System.IO.File' not found" },
        { "File.ReadAllText(\"/etc/passwd\").Length > 0", "Type 'File' not found" },
        { "System.IO.Directory.GetFiles(\"/\").Length > 0", "Type 'System.IO.Directory' not found" },
        { "System.Diagnostics.Process.Start(\"sh\") != null", "Type 'System.Diagnostics.Process' not found" },
        { "Environment.GetEnvironmentVariable(\"HOME\") != null", "Type 'Environment' not found" },
        { "Environment.Exit(1) == null", "Type 'Environment' not found" },
        { "System.Net.Dns.GetHostName() != null", "Type 'System.Net.Dns' not found" },
        { "new System.Net.Http.HttpClient() != null", "Type 'System.Net.Http.HttpClient' not found" },
        { "Console.ReadLine() != null", "Type 'Console' not found" },
        // The ambient clock: asOf is the only now
        { "DateTime.Now > DateTime.MinValue", "the clock is not available to rules: asOf is the only now" },
        { "DateTime.UtcNow.Year > 2000", "the clock is not available to rules: asOf is the only now" },
        { "DateTimeOffset.UtcNow.Year > 2000", "the clock is not available to rules: asOf is the only now" },
        { "SystemClock.Instance.GetCurrentInstant() > c.AsOf", "not found" },
        { "Environment.TickCount > 0", "Type 'Environment' not found" },
        { "c.AsOf.ToDateTimeUtc().Year > 0", "is not accessible" },
        // Randomness
        { "new Random().Next() > 0", "Type 'Random' not found" },
        { "Random.Shared.Next() > 0", "not found" },
        { "Guid.NewGuid() != Guid.Empty", "'NewGuid()' has type Guid, which rules may not use" },
        // Unbounded work and huge strings
        { "Enumerable.Range(0, int.MaxValue).Count() > 0", "Enumerable.Range is not in the rule vocabulary" },
        { "Enumerable.Repeat(1, int.MaxValue).Count() > 0", "Enumerable.Repeat is not in the rule vocabulary" },
        { "new string('x', int.MaxValue).Length > 0", "missing an 'as' clause" },
        { "string.Join(\",\", c.Grants) != \"\"", "String.Join is not in the rule vocabulary" },
        { "c.Account.Id.PadLeft(int.MaxValue).Length > 0", "String.PadLeft is not in the rule vocabulary" },
        { "c.Account.Id.Replace(\"a\", \"aaaa\").Length > 0", "String.Replace is not in the rule vocabulary" },
        { "string.Concat(c.Grants.Select(a => string.Concat(c.Grants.Select(b => b.Id)))).Length > 0", "joining a string with a value that is not a string" },
        { "c.Grants.SelectMany(a => c.Grants).Count() > 0", "Enumerable.SelectMany is not in the rule vocabulary" },
        { "c.Grants.ToList().Count > 0", "'c.Grants.ToList()' has type List<a grant>, which rules may not use" },
        { "System.Threading.Thread.Sleep(100000) == null", "Type 'System.Threading.Thread' not found" },
        { "System.Text.RegularExpressions.Regex.IsMatch(c.Account.Id, \"(a+)+$\")", "not found" },
        // The evaluator's internals and floating point
        { "c.Case != null", "the case (c) has no member 'Case'" },
        { "c.ToString() != \"\"", "formatting a value as text depends on the host's culture" },
        { "Math.Pow(10, 400) > 0", "is a floating-point number" },
    };

    [Theory]
    [MemberData(nameof(HostileExpressions))]
    public void Load_HostileExpression_IsRejectedNamingTheRule(string expression, string expected)
    {
        var dir = RuleDirectory(Rule("hostile-rule", expression));

        var ex = Assert.Throws<RuleSetLoadException>(() => RuleSet.Load(dir));

        Assert.All(ex.Problems, p => Assert.Equal(("hostile.json", "hostile-rule"), (p.File, p.Rule)));
        Assert.Contains(ex.Problems, p => p.Message.Contains(expected, StringComparison.Ordinal));
        Assert.Contains("rule 'hostile-rule'", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Expression trees built directly, as a parser configured more loosely might build them: the sandbox alone must refuse each.</summary>
    public static TheoryData<string, string> HostileTrees() => new()
    {
        { "File.Exists", "File.Exists is not in the rule vocabulary" },
        { "Environment.GetEnvironmentVariable", "Environment.GetEnvironmentVariable is not in the rule vocabulary" },
        { "Process.Start", "has type Process, which rules may not use" },
        { "Dns.GetHostName", "Dns.GetHostName is not in the rule vocabulary" },
        { "DateTime.Now", "the clock is not available to rules" },
        { "SystemClock.Instance", "the clock is not available to rules" },
        { "Stopwatch.GetTimestamp", "Stopwatch.GetTimestamp is not in the rule vocabulary" },
        { "new Random()", "(New) is not available to rules" },
        { "Guid.NewGuid", "has type Guid, which rules may not use" },
        { "Type.GetType", "reflection is not available to rules" },
        { "typeof(string)", "has type RuntimeType, which rules may not use" },
        { "Enumerable.Range", "Enumerable.Range is not in the rule vocabulary" },
        { "new string", "(New) is not available to rules" },
        { "GrantFacts.SetExpiry", "has type Void, which rules may not use" },
        { "CaseFacts.Case", "'c.Case' has type CreditCase, which rules may not use" },
        { "CalRuntime.Zone", "has type DateTimeZone, which rules may not use" },
    };

    [Theory]
    [MemberData(nameof(HostileTrees))]
    public void Check_HostileTree_IsRefusedBySandboxAlone(string what, string expected)
    {
        var set = BundledRules.RuleSet;
        var (tree, g) = Tree(what, set);

        var violations = ExpressionSandbox.Check(tree, set.Contract, ExpressionPhase.Request, g);

        Assert.Contains(violations, v => v.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("c.Grants.Count(g => g.Remaining > 0m) > 1 && c.Account.Id + \"x\" != \"\"")]
    [InlineData("Cal.Latest(c.AsOf, Cal.PlusInZone(c.AsOf, \"P1Y\", c.Account.TimeZone)) > c.AsOf")]
    [InlineData("c.Grants.Where(g => g.IsAvailable).OrderBy(g => g.Expiry).ThenBy(g => g.Id).Select(g => g.Remaining).FirstOrDefault() >= 0m")]
    [InlineData("string.Concat(c.Account.Id, c.Account.TimeZone).Length > 0")]
    public void Load_VocabularyExpression_Loads(string expression)
    {
        var set = RuleSet.Load(RuleDirectory(Rule("ordinary-rule", expression)));

        Assert.Equal("ordinary-rule", Assert.Single(set.Rules).Name);
    }

    /// <summary>Constructs whose result would depend on the host's culture (or on internal type names), each refused at load (issue 8).</summary>
    public static TheoryData<string, string> CultureDependent() => new()
    {
        { "(\"\" + c.Target.Remaining) == \"32.5\"", "joining a string with a value that is not a string formats it with the host's culture" },
        { "(c.Target.Id + 1) == \"g11\"", "joining a string with a value that is not a string" },
        { "(\"\" + c.AsOf) != \"\"", "joining a string with a value that is not a string" },
        { "(\"\" + c.Account.BalanceMaintenance.Enabled) != \"\"", "joining a string with a value that is not a string" },
        { "(\"\" + c.Target) != \"\"", "joining a string with a value that is not a string" },
        { "string.Concat(c.Target.Id, c.Target.Remaining) != \"\"", "joining a string with a value that is not a string" },
        { "c.Target.Remaining.ToString() != \"\"", "formatting a value as text depends on the host's culture" },
        { "c.AsOf.ToString() != \"\"", "formatting a value as text depends on the host's culture" },
        { "c.Target.ToString() != \"\"", "formatting a value as text depends on the host's culture" },
        { "c.Target.Id.ToUpper() == \"G1\"", "String.ToUpper is not in the rule vocabulary" },
        { "c.Target.Id.ToLower() == \"g1\"", "String.ToLower is not in the rule vocabulary" },
        { "string.Compare(c.Target.Id, \"I\", true) == 0", "only string.Compare(a, b) and string.CompareOrdinal(a, b) are available to rules" },
        { "string.Compare(c.Target.Id, 0, \"I\", 0, 1) == 0", "only string.Compare(a, b) and string.CompareOrdinal(a, b) are available to rules" },
        { "string.CompareOrdinal(c.Target.Id, 0, \"I\", 0, 100000) == 0", "only string.Compare(a, b) and string.CompareOrdinal(a, b) are available to rules" },
        // No enumeration of the System namespace is known to rule expressions (nor could the sandbox let one through).
        { "c.Target.Id.StartsWith(\"g\", StringComparison.CurrentCultureIgnoreCase)", "Type 'StringComparison' not found" },
        { "c.Target.Id.IndexOf(\"g\") >= 0", "String.IndexOf is not in the rule vocabulary" },
        { "c.Grants.Select(x => x.Id).Max() == \"z\"", "the least or greatest string depends on a collation" },
        { "c.Grants.Min(x => x.Id) == \"a\"", "the least or greatest string depends on a collation" },
    };

    [Theory]
    [MemberData(nameof(CultureDependent))]
    public void Load_CultureDependentExpression_IsRefusedNamingTheRule(string expression, string cause)
    {
        using var copy = new TempRuleDirectory();
        copy.SetExpression("cash-value.json", "refund-denied", expression);

        var ex = copy.LoadFails();

        Assert.All(ex.Problems, p => Assert.Equal(("cash-value.json", "refund-denied"), (p.File, p.Rule)));
        Assert.Contains(ex.Problems, p => p.Message.Contains(cause, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_AmountJoinedToAStringInAUseRule_IsRefusedNamingTheRule()
    {
        // Issue 8: this compiled to ToString(), so it denied under the invariant culture and permitted under de-DE, with the same record id.
        using var copy = new TempRuleDirectory();
        copy.SetExpression("use.json", "use-by-non-holder", "(\"\" + c.Request.Amount) == \"32.5\"");

        var ex = copy.LoadFails();

        Assert.All(ex.Problems, p => Assert.Equal(("use.json", "use", "use-by-non-holder"), (p.File, p.Workflow, p.Rule)));
        Assert.Contains(ex.Problems, p => p.Message.StartsWith("Expression: 'Concat(", StringComparison.Ordinal)
            && p.Message.Contains("joining a string with a value that is not a string formats it with the host's culture", StringComparison.Ordinal));
    }

    /// <summary>Grant rules that read facts of other grants their phase has not finished, and where each is written.</summary>
    /// <remarks>Without the refusal, <c>c.Grants.Count(x =&gt; x.IsAvailable) == 2</c> in an exclusion rule denied with grants g1, g2 and permitted with g2, g1 (issue 8).</remarks>
    public static TheoryData<string, string, string, string> CrossGrantReads() => new()
    {
        { "exclude", "Expression", "c.Grants.Count(x => x.IsAvailable) == 2", "another grant's IsAvailable may not be known yet" },
        { "exclude", "Expression", "c.Grants.Any(x => x.Is(\"expired\"))", "another grant's Is may not be known yet" },
        { "exclude", "Expression", "c.Target != null && c.Target.IsAvailable", "another grant's IsAvailable may not be known yet" },
        { "exclude", "Expression", "c.Grants.Where(x => x.Id == g.Id).Any(x => x.IsAvailable)", "another grant's IsAvailable may not be known yet" },
        { "exclude", "Expression", "c.Available > 2m", "c.Available sums the grants' availability, which is known only to request rules and effects; an exclusion rule may not read it" },
        { "exclude", "Expression", "c.AvailableOf(\"usage\") > 2m", "an exclusion rule may not read it" },
        { "expiry", "Expression", "g.Expiry > c.AsOf", "expiry rules run before any expiry or availability is known; they may not read Expiry" },
        { "expiry", "Expression", "c.Grants.Any(x => x.ExpiryStatus == \"expired\")", "they may not read ExpiryStatus" },
        { "expiry", "Expression", "g.ExpiryFor(\"forfeited\") != null", "they may not read ExpiryFor" },
        { "expiry", "Expression", "g.NeverExpires", "they may not read NeverExpires" },
        { "expiry", "Expression", "c.Available > 2m", "an expiry rule may not read it" },
        { "expiry", "expiresAt", "g.Expiry", "expiry rules run before any expiry or availability is known; they may not read Expiry" },
        { "expiry", "expiresAt", "c.Grants.First().Expiry", "they may not read Expiry" },
        { "expiry", "expiresAt", "c.Available > 0m ? g.IssuedAt : c.AsOf", "an expiry rule may not read it" },
    };

    [Theory]
    [MemberData(nameof(CrossGrantReads))]
    public void Load_GrantRuleReadingUnfinishedFactsOfAPhase_IsRefusedNamingTheRule(string effect, string field, string expression, string cause)
    {
        using var copy = new TempRuleDirectory();
        var rule = new JObject
        {
            ["RuleName"] = "cross-grant-read",
            ["SuccessEvent"] = "A rule under test.",
            ["Expression"] = field == "Expression" ? expression : "true",
            ["Properties"] = new JObject { ["clause"] = "B.1", ["scope"] = "grant", ["effect"] = effect, ["status"] = effect == "exclude" ? "odd" : "expired" },
        };
        if (effect == "expiry") rule["Properties"]!["expiresAt"] = field == "expiresAt" ? expression : "g.IssuedAt";
        copy.AddRule(effect == "expiry" ? "expiry.json" : "availability.json", rule);

        var problem = Assert.Single(copy.LoadFails().Problems);

        Assert.Equal("cross-grant-read", problem.Rule);
        Assert.StartsWith(field == "Expression" ? "Expression: " : "Properties.expiresAt: ", problem.Message, StringComparison.Ordinal);
        Assert.Contains(cause, problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("exclude", "g.IsAvailable || g.Is(\"expired\")")]
    [InlineData("exclude", "c.Grants.Any(x => x.Expiry < g.Expiry && x.Kind == g.Kind)")]
    [InlineData("expiry", "c.Grants.Count(x => x.Kind == g.Kind) > 1")]
    public void Load_GrantRuleReadingFinishedFacts_Loads(string effect, string expression)
    {
        using var copy = new TempRuleDirectory();
        var rule = new JObject
        {
            ["RuleName"] = "phase-safe-read",
            ["SuccessEvent"] = "A rule under test.",
            ["Expression"] = expression,
            ["Properties"] = new JObject { ["clause"] = "B.1", ["scope"] = "grant", ["effect"] = effect, ["status"] = effect == "exclude" ? "odd" : "expired" },
        };
        if (effect == "expiry") rule["Properties"]!["expiresAt"] = "g.IssuedAt";
        copy.AddRule(effect == "expiry" ? "expiry.json" : "availability.json", rule);

        Assert.Contains(copy.Load().Rules, r => r.Name == "phase-safe-read");
    }

    internal static JObject Rule(string name, string expression, string appliesTo = "balance", string effect = "deny") => new()
    {
        ["RuleName"] = name,
        ["SuccessEvent"] = "A rule under test.",
        ["Expression"] = expression,
        ["Properties"] = new JObject
        {
            ["clause"] = "B.1",
            ["scope"] = "request",
            ["appliesTo"] = new JArray(appliesTo),
            ["effect"] = effect,
        },
    };

    /// <summary>A fresh rule directory: the bundled rules when <paramref name="withBundled"/>, plus hostile.json holding the given rules.</summary>
    internal static string RuleDirectory(JObject rule, bool withBundled = false)
    {
        string dir;
        if (withBundled)
        {
            dir = TestPaths.CopyRules(TestPaths.CurrentTerms);
        }
        else
        {
            dir = Path.Combine(Path.GetTempPath(), "creditpolicy-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "terms.json"), "{ \"termsVersion\": \"test\" }");
            File.Copy(Path.Combine(TestPaths.Rules, "vocabulary.json"), Path.Combine(dir, "vocabulary.json"));
        }

        var workflow = new JObject { ["WorkflowName"] = "hostile", ["Rules"] = new JArray(rule) };
        File.WriteAllText(Path.Combine(dir, "hostile.json"), workflow.ToString());
        return dir;
    }

    private static (Expression Tree, ParameterExpression G) Tree(string what, RuleSet set)
    {
        var c = Expression.Parameter(set.Facts.CaseTypes["balance"], "c");
        var g = Expression.Parameter(set.Facts.GrantType, "g");
        MethodInfo Method(Type t, string name, params Type[] args) => t.GetMethod(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance, args)!;
        Expression body = what switch
        {
            "File.Exists" => Expression.Call(Method(typeof(File), "Exists", typeof(string)), Expression.Constant("/etc/passwd")),
            "Environment.GetEnvironmentVariable" => Expression.Call(Method(typeof(Environment), "GetEnvironmentVariable", typeof(string)), Expression.Constant("HOME")),
            "Process.Start" => Expression.Call(Method(typeof(Process), "Start", typeof(string)), Expression.Constant("sh")),
            "Dns.GetHostName" => Expression.Call(Method(typeof(System.Net.Dns), "GetHostName")),
            "DateTime.Now" => Expression.Property(null, typeof(DateTime), "Now"),
            "SystemClock.Instance" => Expression.Call(Expression.Property(null, typeof(SystemClock), "Instance"), Method(typeof(SystemClock), "GetCurrentInstant")),
            "Stopwatch.GetTimestamp" => Expression.Call(Method(typeof(Stopwatch), "GetTimestamp")),
            "new Random()" => Expression.New(typeof(Random)),
            "Guid.NewGuid" => Expression.Call(Method(typeof(Guid), "NewGuid")),
            "Type.GetType" => Expression.Call(Method(typeof(Type), "GetType", typeof(string)), Expression.Constant("System.IO.File")),
            "typeof(string)" => Expression.Constant(typeof(string)),
            "Enumerable.Range" => Expression.Call(Method(typeof(Enumerable), "Range", typeof(int), typeof(int)), Expression.Constant(0), Expression.Constant(int.MaxValue)),
            "new string" => Expression.New(typeof(string).GetConstructor([typeof(char), typeof(int)])!, Expression.Constant('x'), Expression.Constant(int.MaxValue)),
            "GrantFacts.SetExpiry" => Expression.Call(g, Method(typeof(GrantFacts), "SetExpiry", typeof(Instant), typeof(bool), typeof(string), typeof(string), typeof(string)),
                Expression.Constant(Instant.MaxValue), Expression.Constant(false), Expression.Constant("r"), Expression.Constant("B.1"), Expression.Constant("expired")),
            "CaseFacts.Case" => Expression.Property(c, typeof(CaseFacts).GetProperty("Case", BindingFlags.NonPublic | BindingFlags.Instance)!),
            "CalRuntime.Zone" => Expression.Call(Method(typeof(CalRuntime), "Zone", typeof(CreditPolicy.Model.TimeZoneDatabase), typeof(string)),
                Expression.Constant(CreditPolicy.Model.TimeZoneDatabase.Bundled), Expression.Constant("Etc/UTC")),
            _ => throw new ArgumentOutOfRangeException(nameof(what), what, null),
        };
        return (body, g);
    }
}
