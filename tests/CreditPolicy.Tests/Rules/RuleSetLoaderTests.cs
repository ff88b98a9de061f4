using System.Text.RegularExpressions;
using CreditPolicy.Rules;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests.Rules;

public sealed partial class RuleSetLoaderTests
{
    [GeneratedRegex("^sha256:[0-9a-f]{64}$")]
    private static partial Regex DigestFormat();

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex KebabCase();

    [Fact]
    public void Load_BundledRules_LoadsWithTermsVersionAndDigest()
    {
        var set = RuleSet.Load(TestPaths.CurrentTerms);

        Assert.Equal("2026-11-24", set.Identity.TermsVersion);
        Assert.Matches(DigestFormat(), set.Identity.Digest);
        Assert.Contains("terms.json", set.Files);
        Assert.Contains("use.json", set.Files);
        Assert.DoesNotContain(set.Files, f => f.Contains('/') || f.Contains('\\'));
    }

    [Fact]
    public void Load_BundledRules_EveryRuleHasKebabCaseUniqueNameAndATermsClause()
    {
        var set = RuleSet.Load(TestPaths.CurrentTerms);

        Assert.NotEmpty(set.Rules);
        Assert.Equal(set.Rules.Count, set.Rules.Select(r => r.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.All(set.Rules, r =>
        {
            Assert.Matches(KebabCase(), r.Name);
            Assert.Contains(r.Clause, new[] { "A.1", "A.2", "B.1", "B.2", "B.3" });
            Assert.False(string.IsNullOrWhiteSpace(r.Message));
        });
    }

    [Fact]
    public void Load_SameFilesTwiceAndInAnotherDirectory_GivesTheSameDigest()
    {
        using var copy = new TempRuleDirectory();

        var first = RuleSet.Load(TestPaths.CurrentTerms).Identity;
        var second = RuleSet.Load(TestPaths.CurrentTerms).Identity;
        var elsewhere = copy.Load().Identity;

        Assert.Equal(first, second);
        Assert.Equal(first, elsewhere);
    }

    [Fact]
    public void Load_OneByteOfARuleFileChanged_ChangesTheDigest()
    {
        using var copy = new TempRuleDirectory();
        var before = copy.Load().Identity;
        copy.ReplaceText("cash-value.json", "\"B.1: credits are", "\"B.1: Credits are");

        var after = copy.Load().Identity;

        Assert.Equal(before.TermsVersion, after.TermsVersion);
        Assert.NotEqual(before.Digest, after.Digest);
        Assert.Matches(DigestFormat(), after.Digest);
    }

    [Fact]
    public void Load_RuleFileRenamed_ChangesTheDigest()
    {
        using var copy = new TempRuleDirectory();
        var before = copy.Load().Identity;
        File.Move(copy.FileOf("cash-value.json"), copy.FileOf("cash.json"));

        Assert.NotEqual(before.Digest, copy.Load().Identity.Digest);
    }

    [Fact]
    public void Load_UnknownIdentifierInExpression_FailsWholeSetNamingFileWorkflowRuleAndParserMessage()
    {
        using var copy = new TempRuleDirectory();
        copy.SetExpression("use.json", "use-draws-credits", "c.Account.Status == \"open\" && c.Account.Balance > 0m");

        var ex = copy.LoadFails();

        var problem = Assert.Single(ex.Problems);
        Assert.Equal("use.json", problem.File);
        Assert.Equal("use", problem.Workflow);
        Assert.Equal("use-draws-credits", problem.Rule);
        // The parser's message names the generated type; the loader says which object of the vocabulary it is and what it declares.
        Assert.StartsWith("Expression: account has no member 'Balance'; it has Id, Status, ClosedAt, TimeZone, BalanceMaintenance (declare new attributes in vocabulary.json)", problem.Message, StringComparison.Ordinal);
        Assert.Contains("c.Account.Balance > 0m", problem.Message, StringComparison.Ordinal);
        Assert.NotNull(problem.Line);
        Assert.Contains($"use.json:{problem.Line}: workflow 'use', rule 'use-draws-credits': Expression: account has no member 'Balance'", ex.Message, StringComparison.Ordinal);
        Assert.StartsWith($"The rule set in {copy.Path} did not load (1 problem):", ex.Message, StringComparison.Ordinal);
        Assert.Equal(copy.Path, ex.Directory);
    }

    [Fact]
    public void Load_BadRulesInSeveralFiles_ListsEveryOne()
    {
        using var copy = new TempRuleDirectory();
        copy.SetExpression("cash-value.json", "refund-denied", "c.Nope");
        copy.SetExpression("no-transfer.json", "sale-denied", "c.Request.Amount >");
        copy.EditRule("expiry.json", "usage-credit-expiry", r => r["Properties"]!["expiresAt"] = "Cal.PlusInZone(g.IssuedAt, \"P1Y\")");

        var ex = copy.LoadFails();

        Assert.Equal(3, ex.Problems.Count);
        Assert.Equal(
            new[] { ("cash-value.json", "cash-value", "refund-denied"), ("expiry.json", "expiry", "usage-credit-expiry"), ("no-transfer.json", "no-transfer", "sale-denied") },
            ex.Problems.Select(p => (p.File, p.Workflow!, p.Rule!)).ToArray());
        Assert.StartsWith("Expression: the case (c) has no member 'Nope'; it has AsOf, EffectiveFrom, Account, Request, Grants, Target, Available, AvailableOf(kind)", ex.Problems[0].Message, StringComparison.Ordinal);
        Assert.StartsWith("Properties.expiresAt: ", ex.Problems[1].Message, StringComparison.Ordinal);
        Assert.Contains("PlusInZone", ex.Problems[1].Message, StringComparison.Ordinal);
        Assert.StartsWith("Expression: ", ex.Problems[2].Message, StringComparison.Ordinal);
        Assert.Contains("did not load (3 problems)", ex.Message, StringComparison.Ordinal);
        Assert.All(ex.Problems, p => Assert.Contains(p.ToString(), ex.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_BadExpressionInDisabledRule_StillFails()
    {
        using var copy = new TempRuleDirectory();
        copy.EditRule("cash-value.json", "refund-denied", r =>
        {
            r["Enabled"] = false;
            r["Expression"] = "c.Nope";
        });

        var problem = Assert.Single(copy.LoadFails().Problems);

        Assert.Equal("refund-denied", problem.Rule);
        Assert.Contains("'Nope'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MisspelledRuleField_IsAnErrorWithDidYouMean()
    {
        using var copy = new TempRuleDirectory();
        copy.EditRule("cash-value.json", "refund-denied", r => r.Property("Expression")!.Replace(new JProperty("Expresion", "true")));

        var ex = copy.LoadFails();

        Assert.All(ex.Problems, p => Assert.Equal(("cash-value.json", "cash-value", "refund-denied"), (p.File, p.Workflow, p.Rule)));
        Assert.Contains(ex.Problems, p => p.Message == "unknown rule field 'Expresion'; did you mean 'Expression'? (RulesEngine would silently ignore it)");
        Assert.Contains(ex.Problems, p => p.Message == "Expression: required");
    }

    [Fact]
    public void Load_MisspelledProperty_IsAnErrorWithDidYouMean()
    {
        using var copy = new TempRuleDirectory();
        copy.EditRule("cash-value.json", "cash-out-denied", r =>
        {
            var props = (JObject)r["Properties"]!;
            props.Property("clause")!.Replace(new JProperty("clasue", "B.1"));
        });

        var ex = copy.LoadFails();

        Assert.All(ex.Problems, p => Assert.Equal("cash-out-denied", p.Rule));
        Assert.Contains(ex.Problems, p => p.Message == "Properties: unknown property 'clasue'; did you mean 'clause'?");
        Assert.Contains(ex.Problems, p => p.Message == "Properties.clause: required, the clause of the terms the rule enforces");
    }

    [Fact]
    public void Load_UnknownPropertyNotNearAnyName_ListsTheExpectedNames()
    {
        using var copy = new TempRuleDirectory();
        copy.EditRule("cash-value.json", "cash-out-denied", r => r["Properties"]!["jurisdiction"] = "QC");

        var problem = Assert.Single(copy.LoadFails().Problems);

        Assert.StartsWith("Properties: unknown property 'jurisdiction'; expected one of clause, scope, effect, appliesTo", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DuplicateRuleNameAcrossFiles_FailsNamingBothFiles()
    {
        using var copy = new TempRuleDirectory();
        copy.AddRule("no-transfer.json", TempRuleDirectory.RequestRule("refund-denied", "true", "deny", "refund"));

        var problem = Assert.Single(copy.LoadFails().Problems);

        Assert.Equal(("no-transfer.json", "no-transfer", "refund-denied"), (problem.File, problem.Workflow, problem.Rule));
        Assert.Equal("RuleName 'refund-denied' is also used in cash-value.json; rule names are unique across the rule set", problem.Message);
    }

    public static TheoryData<string> NonKebabNames => ["Refund_Denied", "refundDenied", "refund denied", "-refund", "refund--denied", "refund-"];

    [Theory]
    [MemberData(nameof(NonKebabNames))]
    public void Load_RuleNameNotKebabCase_Fails(string name)
    {
        using var copy = new TempRuleDirectory();
        copy.EditRule("cash-value.json", "refund-denied", r => r["RuleName"] = name);

        var problem = Assert.Single(copy.LoadFails().Problems);

        Assert.Equal(name, problem.Rule);
        Assert.Equal($"RuleName '{name}' is not kebab-case (lower-case words joined by '-')", problem.Message);
    }

    [Fact]
    public void Load_MissingClause_Fails()
    {
        using var copy = new TempRuleDirectory();
        copy.EditRule("no-transfer.json", "transfer-denied", r => ((JObject)r["Properties"]!).Remove("clause"));

        var problem = Assert.Single(copy.LoadFails().Problems);

        Assert.Equal(("no-transfer.json", "transfer-denied"), (problem.File, problem.Rule));
        Assert.Equal("Properties.clause: required, the clause of the terms the rule enforces", problem.Message);
    }

    [Fact]
    public void Load_UnknownRequestTypeInAppliesTo_Fails()
    {
        using var copy = new TempRuleDirectory();
        copy.EditRule("cash-value.json", "refund-denied", r => r["Properties"]!["appliesTo"] = new JArray("refund", "chargeback"));

        var problem = Assert.Single(copy.LoadFails().Problems);

        Assert.Equal("refund-denied", problem.Rule);
        Assert.Equal(
            "Properties.appliesTo: 'chargeback' is not a request type vocabulary.json declares (use, refund, cashOut, transfer, sell, closeAccount, restore, expirations, reload, balance)",
            problem.Message);
    }

    [Fact]
    public void Load_NonBooleanExpression_Fails()
    {
        using var copy = new TempRuleDirectory();
        copy.SetExpression("cash-value.json", "refund-denied", "c.Target.Remaining");

        var problem = Assert.Single(copy.LoadFails().Problems);

        Assert.Equal("refund-denied", problem.Rule);
        Assert.Equal("Expression: \"c.Target.Remaining\" gives a decimal; expected a boolean", problem.Message);
    }

    [Fact]
    public void Load_ExpiresAtGivingNullableInstant_FailsWithHint()
    {
        using var copy = new TempRuleDirectory();
        copy.EditRule("expiry.json", "promotional-indicated-expiry", r => r["Properties"]!["expiresAt"] = "g.ExpiresAt");

        var problem = Assert.Single(copy.LoadFails().Problems);

        Assert.Equal(("expiry.json", "expiry", "promotional-indicated-expiry"), (problem.File, problem.Workflow, problem.Rule));
        Assert.Equal(
            "Properties.expiresAt: \"g.ExpiresAt\" gives Instant?; expected Instant (it may be null: use .Value after checking != null, or ??)",
            problem.Message);
    }

    [Fact]
    public void Load_InvalidJson_NamesFileAndLine()
    {
        using var copy = new TempRuleDirectory();
        copy.Write("use.json", """
            {
              "WorkflowName": "use",
              "Rules": [
                {
                  "RuleName": "use-draws-credits"
                  "Expression": "true"
                }
              ]
            }
            """);

        var ex = copy.LoadFails();

        var problem = Assert.Single(ex.Problems);
        Assert.Equal("use.json", problem.File);
        Assert.Equal(6, problem.Line);
        Assert.StartsWith("not valid JSON: '\"' is invalid after a value. Expected either ',', '}', or ']'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("use.json:6: not valid JSON", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FileThatIsNotJsonAtAll_NamesFileAndLineOne()
    {
        using var copy = new TempRuleDirectory();
        copy.Write("use.json", "hello");

        var problem = Assert.Single(copy.LoadFails().Problems);

        Assert.Equal("use.json", problem.File);
        Assert.StartsWith("not valid JSON: 'h' is an invalid start of a value", problem.Message, StringComparison.Ordinal);
        Assert.Equal(1, problem.Line);
    }

    [Fact]
    public void Load_DuplicateJsonProperty_IsAnError()
    {
        using var copy = new TempRuleDirectory();
        copy.ReplaceText("cash-value.json", "\"Expression\": \"true\",", "\"Expression\": \"true\", \"Expression\": \"false\",");

        var problem = Assert.Single(copy.LoadFails().Problems);

        Assert.Equal("cash-value.json", problem.File);
        Assert.StartsWith("not valid JSON: ", problem.Message, StringComparison.Ordinal);
        Assert.Contains("Expression", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingTermsFile_Fails()
    {
        using var copy = new TempRuleDirectory();
        copy.Delete("terms.json");

        var problem = Assert.Single(copy.LoadFails().Problems);

        Assert.Equal("terms.json", problem.File);
        Assert.Equal("missing: every rule directory has a terms.json naming its termsVersion", problem.Message);
    }

    [Fact]
    public void Load_TermsWithoutVersion_Fails()
    {
        using var copy = new TempRuleDirectory();
        copy.Write("terms.json", """{ "title": "no version" }""");

        var problem = Assert.Single(copy.LoadFails().Problems);

        Assert.Equal(("terms.json", 1), (problem.File, problem.Line));
        Assert.StartsWith("termsVersion: required", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DirectoryDoesNotExist_Fails()
    {
        var missing = Path.Combine(Path.GetTempPath(), "creditpolicy-tests", "no-such-" + Guid.NewGuid().ToString("N"));

        var ex = Assert.Throws<RuleSetLoadException>(() => RuleSet.Load(missing));

        var problem = Assert.Single(ex.Problems);
        Assert.Equal("the rule directory does not exist", problem.Message);
        Assert.Contains(missing, ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> UnsupportedRuleFields => new()
    {
        { "LocalParams", """[ { "Name": "x", "Expression": "1" } ]""" },
        { "Actions", """{ "OnSuccess": { "Name": "OutputExpression", "Context": { "Expression": "1" } } }""" },
        { "Operator", "\"And\"" },
        { "ErrorMessage", "\"failed\"" },
    };

    [Theory]
    [MemberData(nameof(UnsupportedRuleFields))]
    public void Load_UnsupportedRulesEngineRuleField_IsAnError(string field, string json)
    {
        using var copy = new TempRuleDirectory();
        copy.EditRule("cash-value.json", "refund-denied", r => r[field] = JToken.Parse(json));

        var problem = Assert.Single(copy.LoadFails().Problems);

        Assert.Equal(("cash-value.json", "cash-value", "refund-denied"), (problem.File, problem.Workflow, problem.Rule));
        Assert.Equal($"{field} is a RulesEngine rule field that CreditPolicy does not support; express it in the rule's Expression and Properties", problem.Message);
    }

    [Fact]
    public void Load_UnsupportedRulesEngineWorkflowField_IsAnError()
    {
        using var copy = new TempRuleDirectory();
        copy.EditWorkflow("cash-value.json", wf => wf["GlobalParams"] = new JArray());

        var problem = Assert.Single(copy.LoadFails().Problems);

        Assert.Equal(("cash-value.json", "cash-value", null), (problem.File, problem.Workflow, problem.Rule));
        Assert.StartsWith("GlobalParams is a RulesEngine workflow field that CreditPolicy does not support", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TwoRulesProduceAllocationsForUse_IsAnError()
    {
        using var copy = new TempRuleDirectory();
        copy.EditWorkflow("use.json", wf =>
        {
            var second = (JObject)TempRuleDirectory.Rule(wf, "use-draws-credits").DeepClone();
            second["RuleName"] = "use-draws-credits-again";
            ((JArray)wf["Rules"]!).Add(second);
        });

        var problem = Assert.Single(copy.LoadFails().Problems);

        Assert.Equal(("use.json", "use", "use-draws-credits"), (problem.File, problem.Workflow, problem.Rule));
        Assert.Equal("rules 'use-draws-credits', 'use-draws-credits-again' all produce allocations for 'use' requests; at most one may", problem.Message);
    }

    [Fact]
    public void Load_SecondAllocationRuleDisabled_Loads()
    {
        using var copy = new TempRuleDirectory();
        copy.EditWorkflow("use.json", wf =>
        {
            var second = (JObject)TempRuleDirectory.Rule(wf, "use-draws-credits").DeepClone();
            second["RuleName"] = "use-draws-credits-again";
            second["Enabled"] = false;
            ((JArray)wf["Rules"]!).Add(second);
        });

        var set = copy.Load();

        Assert.Contains(set.Rules, r => r is { Name: "use-draws-credits-again", Enabled: false });
    }

    [Fact]
    public void Load_DuplicateWorkflowName_IsAnError()
    {
        using var copy = new TempRuleDirectory();
        copy.Write("zz-extra.json", """
            { "WorkflowName": "use", "Rules": [ { "RuleName": "extra-rule", "SuccessEvent": "x", "Expression": "true",
              "Properties": { "clause": "B.1", "scope": "request", "appliesTo": [ "refund" ], "effect": "deny" } } ] }
            """);

        var problem = Assert.Single(copy.LoadFails().Problems);

        Assert.Equal(("zz-extra.json", "use"), (problem.File, problem.Workflow));
        Assert.Equal("WorkflowName 'use' is also used in use.json", problem.Message);
    }
}
