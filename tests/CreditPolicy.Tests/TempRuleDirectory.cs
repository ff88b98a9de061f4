using CreditPolicy.Rules;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace CreditPolicy.Tests;

/// <summary>A temporary copy of the bundled rules that a test edits as JSON or text, loads, and deletes when disposed.</summary>
internal sealed class TempRuleDirectory : IDisposable
{
    public TempRuleDirectory() => Path = TestPaths.CopyRules(TestPaths.CurrentTerms);

    public string Path { get; }

    public string FileOf(string name) => System.IO.Path.Combine(Path, name);

    public string Read(string file) => File.ReadAllText(FileOf(file));

    public void Write(string file, string text) => File.WriteAllText(FileOf(file), text);

    public void Delete(string file) => File.Delete(FileOf(file));

    /// <summary>Replaces text in a file, failing the test when the text is not there (so an edit can never silently do nothing).</summary>
    public void ReplaceText(string file, string oldText, string newText)
    {
        var text = Read(file);
        Assert.Contains(oldText, text, StringComparison.Ordinal);
        Write(file, text.Replace(oldText, newText, StringComparison.Ordinal));
    }

    public void EditWorkflow(string file, Action<JObject> edit)
    {
        var workflow = JObject.Parse(Read(file));
        edit(workflow);
        Write(file, workflow.ToString(Formatting.Indented));
    }

    /// <summary>Edits vocabulary.json as JSON, for example to declare an attribute a test rule reads.</summary>
    public void EditVocabulary(Action<JObject> edit) => EditWorkflow("vocabulary.json", edit);

    public void EditRule(string file, string ruleName, Action<JObject> edit) => EditWorkflow(file, wf => edit(Rule(wf, ruleName)));

    public void SetExpression(string file, string ruleName, string expression) => EditRule(file, ruleName, r => r["Expression"] = expression);

    public void AddRule(string file, JObject rule) => EditWorkflow(file, wf => ((JArray)wf["Rules"]!).Add(rule));

    public void RemoveRule(string file, string ruleName) => EditWorkflow(file, wf => Rule(wf, ruleName).Remove());

    public RuleSet Load() => RuleSet.Load(Path);

    public RuleSetLoadException LoadFails() => Assert.Throws<RuleSetLoadException>(() => RuleSet.Load(Path));

    public static JObject Rule(JObject workflow, string name) =>
        (JObject)((JArray)workflow["Rules"]!).Single(r => (string?)r["RuleName"] == name);

    /// <summary>A request rule as a policy author writes it.</summary>
    public static JObject RequestRule(string name, string expression, string effect, string appliesTo, string clause = "B.1") => new()
    {
        ["RuleName"] = name,
        ["SuccessEvent"] = $"Test rule {name}.",
        ["Expression"] = expression,
        ["Properties"] = new JObject
        {
            ["clause"] = clause,
            ["scope"] = "request",
            ["appliesTo"] = new JArray(appliesTo),
            ["effect"] = effect,
        },
    };

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless; never fail a test over clean-up.
        }
    }
}
