using CreditPolicy.Evaluation;
using CreditPolicy.Model;
using CreditPolicy.Rules;
using CreditPolicy.Tests.Cli;
using Microsoft.Extensions.Logging.Abstractions;
using Newtonsoft.Json.Linq;
using NodaTime;
using NodaTime.Testing;

namespace CreditPolicy.Tests.Rules;

/// <summary>Expressions too deep or too long to parse and check safely (issue 8): a load error naming file and rule on every door, never a stack overflow.</summary>
/// <remarks>
/// A stack overflow cannot be caught: it ends the process. So each test here either sees a load error or takes the test
/// host down with it; the bounds (<see cref="RuleExpressions.MaxLength"/>, <see cref="RuleExpressions.MaxNesting"/>,
/// <see cref="RuleExpressions.MaxTokens"/>) are checked on the text before anything recursive runs.
/// </remarks>
public sealed class RuleExpressionsTests
{
    private static string Repeat(string s, int n) => string.Concat(Enumerable.Repeat(s, n));

    /// <summary><c>c.Grants.Any(x0 =&gt; c.Grants.Any(x1 =&gt; ... true))</c>, <paramref name="depth"/> lambdas deep.</summary>
    private static string NestedLambdas(int depth) =>
        string.Concat(Enumerable.Range(0, depth).Select(i => $"c.Grants.Any(x{i}=>")) + "true" + new string(')', depth);

    /// <summary>Hostile shapes, and the part of the problem each must give.</summary>
    public static TheoryData<string, string, string> Hostile() => new()
    {
        { "2,000 nested parentheses", new string('(', 2000) + "true" + new string(')', 2000), "the expression nests 2000 deep" },
        { "true && ... 5,000 times", Repeat("true && ", 5000) + "true", "the expression has 40,004 characters; at most 4,096 are allowed" },
        { "! 20,000 times", new string('!', 20000) + "true", "the expression has 20,004 characters; at most 4,096 are allowed" },
        { "! 33 times, short", new string('!', 33) + "true", "the expression nests 33 deep" },
        { "unary minus 40 times", Repeat("- ", 40) + "1 > 0", "the expression nests 40 deep" },
        { "brackets 100 deep", new string('[', 100) + "1" + new string(']', 100) + " > 0", "the expression nests 100 deep" },
        { "true&&true... 600 times, under 4,096 characters", Repeat("true&&", 600) + "true", "the expression has 1,801 tokens; at most 1,000 are allowed" },
        { "1+1+... 600 times", Repeat("1+", 600) + "1 > 0", "the expression has 1,203 tokens; at most 1,000 are allowed" },
        { "a lambda chain of 120 Where", "c.Grants" + Repeat(".Where(x=>x.Remaining>0m)", 120) + ".Any()", "at most 1,000 are allowed" },
        { "nested lambdas 40 deep", NestedLambdas(40), "the expression nests 40 deep" },
        { "ternaries nested 400 deep", Repeat("true?true:", 400) + "true", "the expression nests 400 deep" },
        { "ternaries nested 240 deep, under 1,000 tokens", Repeat("true?true:", 240) + "true", "the expression nests 240 deep" },
        { "ternaries nested 33 deep", Repeat("true?true:", 33) + "true", "the expression nests 33 deep" },
        { "+ chained 480 times, under 1,000 tokens", Repeat("1+", 480) + "1 > 0", "the expression is 482 operations deep once parsed" },
        { "&& chained 330 times, under 1,000 tokens", Repeat("true&&", 330) + "true", "the expression is 331 operations deep once parsed" },
        { "member calls chained 240 times", "c.Target.Id" + Repeat(".Trim()", 240) + ".Length > 0", "at most 64 are allowed" },
        { "a string literal of 10,000 characters", "c.Target.Id == \"" + new string('x', 10_000) + "\"", "the expression has 10,017 characters" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Load_HostileExpression_FailsNamingFileWorkflowRuleAndTheBound(string shape, string expression, string cause)
    {
        using var rules = new TempRuleDirectory();
        rules.SetExpression("cash-value.json", "refund-denied", expression);

        var ex = rules.LoadFails();

        var problem = Assert.Single(ex.Problems);
        Assert.True(problem is { File: "cash-value.json", Workflow: "cash-value", Rule: "refund-denied" }, $"{shape}: {problem}");
        Assert.StartsWith("Expression: ", problem.Message, StringComparison.Ordinal);
        Assert.Contains(cause, problem.Message, StringComparison.Ordinal);
        Assert.Contains("cash-value.json:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_HostileExpressionsInEffectPropertiesAndChecks_FailNamingWhereEachIs()
    {
        using var rules = new TempRuleDirectory();
        var deep = new string('(', 500) + "c.AsOf" + new string(')', 500);
        rules.EditRule("expiry.json", "usage-credit-expiry", r => r["Properties"]!["expiresAt"] = deep);
        rules.EditRule("use.json", "use-draws-credits", r => r["Properties"]!["drawOrder"] = new JArray("g.Expiry", Repeat("g.Id+", 300) + "g.Id"));
        rules.ReplaceText("vocabulary.json", "\"require\": \"g.Remaining <= g.Amount\"", $"\"require\": \"{new string('!', 5000)}(g.Remaining <= g.Amount)\"");

        var ex = rules.LoadFails();

        Assert.Contains(ex.Problems, p => p is { File: "expiry.json", Rule: "usage-credit-expiry" } && p.Message.StartsWith("Properties.expiresAt: the expression nests 500 deep", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p is { File: "use.json", Rule: "use-draws-credits" } && p.Message.StartsWith("Properties.drawOrder: the expression has 1,203 tokens", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p is { File: "vocabulary.json", Rule: "remaining-within-amount" } && p.Message.Contains("require: the expression has 5,025 characters", StringComparison.Ordinal));
    }

    /// <summary>The largest expressions the bounds allow, of the shapes that recurse deepest in a parser, a visitor or a compiler.</summary>
    public static TheoryData<string, string> LargestAllowed() => new()
    {
        { "ternaries nested 32 deep without parentheses", Repeat("true?true:", 32) + "true" },
        { "&& chained 63 times", Repeat("true&&", 63) + "true" },
        { "+ chained 62 times", Repeat("1+", 62) + "1 > 0" },
        { "string == chained with || 31 times", Repeat("c.Target.Id==\"a\"||", 31) + "c.Target.Id!=\"b\"" },
        { "parentheses 32 deep", new string('(', 32) + "true" + new string(')', 32) },
        { "lambdas nested 31 deep", NestedLambdas(31) },
        { "member calls chained 58 times", "c.Target.Id" + Repeat(".Trim()", 58) + ".Length > 0" },
        { "900 tokens in a shallow tree", Repeat("(c.Target.Remaining>1m&&c.Target.Remaining<2m)||", 45) + "false" },
    };

    [Theory]
    [MemberData(nameof(LargestAllowed))]
    public void Load_LargestAllowedExpressionOnASmallStack_LoadsAndDecides(string shape, string expression)
    {
        using var rules = new TempRuleDirectory();
        rules.SetExpression("cash-value.json", "refund-denied", expression);
        RuleSet? set = null;
        Exception? failure = null;

        // 512 KiB: a third of a .NET thread's default stack on Linux, half of it on Windows. Whatever recursion the bounds
        // allow, in the parser, the checks or the compiler, must fit; before the tree-depth bound a 480-deep chain did not.
        var thread = new Thread(() => failure = Record.Exception(() => set = rules.Load()), maxStackSize: 512 * 1024);
        thread.Start();
        thread.Join();

        Assert.True(failure is null, $"{shape}: {failure}");
        var decision = new CreditPolicyEngine(set!).Decide(new CaseBuilder().Usage("g1", 5m, "2026-06-01T00:00:00Z").Naming("refund", "g1"));
        Assert.NotEqual(Outcome.Permit, decision.Outcome);
    }

    /// <summary>Hostile expressions for <c>check</c>: those longer than the rule-file schema allows are refused by the schema gate, the others by the loader; both name the rule.</summary>
    public static TheoryData<string, string> CheckedEdits() => new()
    {
        { new string('(', 2000) + "true" + new string(')', 2000), "Expression: the expression nests 2000 deep" },
        { Repeat("true && ", 5000) + "true", "Rules[0].Expression: has 40,004 characters; at most 4,096 are allowed" },
        { new string('!', 20000) + "true", "Rules[0].Expression: has 20,004 characters; at most 4,096 are allowed" },
        { Repeat("1+", 480) + "1 > 0", "Expression: the expression is 482 operations deep once parsed" },
    };

    [Theory]
    [MemberData(nameof(CheckedEdits))]
    public async Task Check_RuleDirectoryWithAHostileExpression_ExitsTwoNamingFileAndRuleWithoutAStackTrace(string expression, string cause)
    {
        using var rules = new TempRuleDirectory();
        rules.SetExpression("cash-value.json", "refund-denied", expression);

        var (exit, _, err) = await CliRunner.Run("", "check", rules.Path);

        Assert.Equal(2, exit);
        Assert.Contains("cash-value.json:9: workflow 'cash-value', rule 'refund-denied': " + cause, err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        Assert.DoesNotContain("internal", err, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Evaluate_RulesWithALongExpression_ExitsTwoNamingFileAndRule()
    {
        using var rules = new TempRuleDirectory();
        rules.SetExpression("cash-value.json", "refund-denied", Repeat("true && ", 5000) + "true");
        var @case = new CaseBuilder().Usage("g1", 5m, "2026-06-01T00:00:00Z").Json(new JObject { ["type"] = "refund", ["grantId"] = "g1" });

        var (exit, output, err) = await CliRunner.Run(@case, "evaluate", "-", "--rules", rules.Path);

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains("cash-value.json", err, StringComparison.Ordinal);
        Assert.Contains("rule 'refund-denied'", err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
    }

    public static TheoryData<string> HostileEdits() =>
    [
        new string('(', 2000) + "true" + new string(')', 2000),
        Repeat("true && ", 5000) + "true",
        new string('!', 20000) + "true",
        NestedLambdas(40),
    ];

    [Theory]
    [MemberData(nameof(HostileEdits))]
    public async Task ReloadAsync_HostileExpressionWrittenUnderARunningService_IsRejectedAndTheServiceKeepsServing(string expression)
    {
        using var rules = new TempRuleDirectory();
        var clock = new FakeClock(Instant.FromUtc(2026, 11, 25, 12, 0));
        using var policy = new ReloadingCreditPolicy(
            new CreditPolicyOptions { RulesDirectory = rules.Path, WatchForChanges = false },
            NullLogger<ReloadingCreditPolicy>.Instance,
            clock);
        var served = policy.Catalogue.Identity;
        var refund = new CaseBuilder(policy.Catalogue).Usage("g1", 5m, "2026-06-01T00:00:00Z").Naming("refund", "g1");
        var use = new CaseBuilder(policy.Catalogue).Usage("g1", 5m, "2026-06-01T00:00:00Z").Use(2m);
        var before = DecisionJson.Serialize(policy.Decide(use));

        rules.SetExpression("cash-value.json", "refund-denied", expression);
        var attempt = await policy.ReloadAsync();

        Assert.Equal(ReloadOutcome.Rejected, attempt.Outcome);
        var problem = Assert.Single(attempt.Problems);
        Assert.True(problem is { File: "cash-value.json", Workflow: "cash-value", Rule: "refund-denied" }, problem.ToString());
        Assert.Contains("at most", problem.Message, StringComparison.Ordinal);
        Assert.False(policy.Status.IsHealthy);
        Assert.Equal(served, policy.Catalogue.Identity);
        Assert.Equal(before, DecisionJson.Serialize(policy.Decide(use)));
        Assert.Equal("refund-denied", Assert.Single(policy.Decide(refund).Reasons).Rule);
    }

    [Theory]
    [InlineData(4_097, false)]
    [InlineData(4_096, true)]
    public void Bounds_LengthAtAndPastTheLimit_RefusesOnlyPastIt(int length, bool allowed)
    {
        var text = "c.Target.Id == \"" + new string('x', length - 17) + "\"";

        Assert.Equal(length, text.Length);
        Assert.Equal(allowed, RuleExpressions.Bounds(text) is null);
    }

    [Theory]
    [InlineData(32, true)]
    [InlineData(33, false)]
    public void Bounds_NestingAtAndPastTheLimit_RefusesOnlyPastIt(int depth, bool allowed)
    {
        var text = new string('(', depth) + "true" + new string(')', depth);

        Assert.Equal(allowed, RuleExpressions.Bounds(text) is null);
    }

    [Fact]
    public void Bounds_ParenthesesInsideStringLiterals_DoNotCount()
    {
        Assert.Null(RuleExpressions.Bounds("c.Target.Id != \"" + new string('(', 200) + "\""));
    }
}
