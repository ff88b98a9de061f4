using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace CreditPolicy.Tests;

/// <summary>The shape of the CreditPolicy assembly: layers that point one way (Model at the bottom), and a public API that is what an embedding team needs.</summary>
/// <remarks>
/// The layers are read from the compiled assembly, not the source: every type a type's IL mentions (base type,
/// interfaces, fields, signatures, locals, attributes, and every token in a method body, lambdas and iterators
/// included) is a reference from its namespace's layer to the other's.
/// </remarks>
public sealed class ArchitectureTests
{
    /// <summary>The layers, lowest first: a namespace may use its own layer and those below, never one above.</summary>
    /// <remarks><c>CreditPolicy</c> itself holds the facade (the policy, the engine, options, DI, the reloading evaluator from Hosting/).</remarks>
    private static readonly string[][] Layers =
    [
        ["CreditPolicy.Model", "CreditPolicy.Model.Contract"],
        ["CreditPolicy.Json"],
        ["CreditPolicy.Rules", "CreditPolicy.Rules.Effects"],
        ["CreditPolicy.Evaluation"],
        ["CreditPolicy.Records"],
        ["CreditPolicy.Scenarios", "CreditPolicy.Schemas"],
        ["CreditPolicy"],
        ["CreditPolicy.Batch"],
    ];

    /// <summary>Utilities every layer may use; they use nothing of CreditPolicy's but themselves.</summary>
    private const string Utilities = "CreditPolicy.FileSystem";

    private static readonly Lazy<IReadOnlyList<(string From, string To, string Example)>> References = new(ReadReferences);

    [Fact]
    public void Layers_EveryNamespaceOfTheAssembly_HasALayer()
    {
        var namespaces = References.Value.SelectMany(r => new[] { r.From, r.To }).Distinct().Order(StringComparer.Ordinal).ToArray();

        Assert.True(namespaces.Length >= 10, string.Join(", ", namespaces));
        Assert.All(namespaces, n => Assert.True(n == Utilities || LayerOf(n) >= 0, $"namespace {n} has no layer"));
    }

    [Fact]
    public void Layers_NoNamespaceUsesOneAbove()
    {
        var upward = References.Value
            .Where(IsUpward)
            .Select(r => $"{r.From} -> {r.To} ({r.Example})")
            .ToArray();

        Assert.True(upward.Length == 0, "references from a lower layer to a higher one:" + Environment.NewLine + string.Join(Environment.NewLine, upward));
    }

    [Fact]
    public void Layers_ModelAtTheBottom_UsesNothingAboveIt()
    {
        var model = References.Value.Where(r => LayerOf(r.From) == 0 && LayerOf(r.To) != 0 && r.To != Utilities).Select(r => $"{r.From} -> {r.To} ({r.Example})");

        Assert.Empty(model);
    }

    [Fact]
    public void Layers_TheReaderSeesReferencesInMethodBodies()
    {
        // The test above can fail: CreditPolicyEngine (the facade) calls PolicyEvaluator (Evaluation) only from method bodies.
        Assert.Contains(References.Value, r => r is { From: "CreditPolicy", To: "CreditPolicy.Evaluation" } && r.Example.StartsWith("CreditPolicy.CreditPolicyEngine", StringComparison.Ordinal));
        Assert.Contains(References.Value, r => r is { From: "CreditPolicy.Rules", To: "CreditPolicy.FileSystem" });
        Assert.Contains(References.Value, r => r is { From: "CreditPolicy.Json", To: "CreditPolicy.Model.Contract" });
    }

    private static int LayerOf(string ns) => Array.FindIndex(Layers, l => l.Contains(ns, StringComparer.Ordinal));

    /// <summary>Whether a reference goes from a layer to one above it, or from a utility to anything of CreditPolicy's but itself.</summary>
    private static bool IsUpward((string From, string To, string Example) r) =>
        r.From != r.To && (r.From == Utilities || (r.To != Utilities && LayerOf(r.To) > LayerOf(r.From)));

    // The public API: what an embedding team uses, and nothing else.

    /// <summary>The public types an embedding team needs: the policy and its DI, the case and how it is read, the decision, the rules and their load errors, the decision log.</summary>
    private static readonly string[] PublicApi =
    [
        "CreditPolicy.CreditPolicyEngine",
        "CreditPolicy.CreditPolicyOptions",
        "CreditPolicy.CreditPolicyServiceCollectionExtensions",
        "CreditPolicy.CreditPolicyStatus",
        "CreditPolicy.Evaluation.DecisionJson",
        "CreditPolicy.ICreditPolicy",
        "CreditPolicy.ICreditPolicyStatus",
        "CreditPolicy.Json.CanonicalCase",
        "CreditPolicy.Json.CaseReadResult",
        "CreditPolicy.Model.Allocation",
        "CreditPolicy.Model.BalanceReport",
        "CreditPolicy.Model.CaseAccount",
        "CreditPolicy.Model.CaseGrant",
        "CreditPolicy.Model.CaseObject",
        "CreditPolicy.Model.CaseProblem",
        "CreditPolicy.Model.CaseRequest",
        "CreditPolicy.Model.Contract.CaseLimits",
        "CreditPolicy.Model.CreditCase",
        "CreditPolicy.Model.Decision",
        "CreditPolicy.Model.DecisionRecord",
        "CreditPolicy.Model.Expiration",
        "CreditPolicy.Model.Explanation",
        "CreditPolicy.Model.Forfeiture",
        "CreditPolicy.Model.InvalidCaseException",
        "CreditPolicy.Model.Movement",
        "CreditPolicy.Model.Outcome",
        "CreditPolicy.Model.Reason",
        "CreditPolicy.Model.ReloadCharge",
        "CreditPolicy.Model.RuleSetIdentity",
        "CreditPolicy.Model.StringSet",
        "CreditPolicy.Model.TimeZoneDatabase",
        "CreditPolicy.Model.TraceEntry",
        "CreditPolicy.Model.TraceValue",
        "CreditPolicy.Records.DecisionLogEntry",
        "CreditPolicy.Records.DecisionLogProblem",
        "CreditPolicy.Records.IDecisionSink",
        "CreditPolicy.Records.NdjsonDecisionLog",
        "CreditPolicy.ReloadOutcome",
        "CreditPolicy.ReloadAttempt",
        "CreditPolicy.ReloadingCreditPolicy",
        "CreditPolicy.Rules.RuleCatalogue",
        "CreditPolicy.Rules.RuleInfo",
        "CreditPolicy.Rules.RuleProblem",
        "CreditPolicy.Rules.RuleSet",
        "CreditPolicy.Rules.RuleSetLoadException",
    ];

    private static readonly Assembly Library = typeof(ICreditPolicy).Assembly;

    [Fact]
    public void PublicApi_OfTheLibrary_IsTheFacadeAnEmbeddingTeamNeeds()
    {
        var exported = Library.GetExportedTypes().Select(t => t.FullName!).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(PublicApi.Order(StringComparer.Ordinal), exported);
    }

    [Theory]
    [InlineData("CreditPolicy.Batch")]
    [InlineData("CreditPolicy.Scenarios")]
    [InlineData("CreditPolicy.Schemas")]
    [InlineData("CreditPolicy.FileSystem")]
    [InlineData("CreditPolicy.Rules.Effects")]
    public void PublicApi_HelperNamespace_HasNoPublicType(string ns)
    {
        Assert.Contains(Library.GetTypes(), t => t.Namespace == ns);
        Assert.DoesNotContain(Library.GetExportedTypes(), t => t.Namespace == ns);
    }

    [Fact]
    public void PublicApi_FactsAndSandboxTypes_AreNotPublic()
    {
        // The rule vocabulary is an explicit allow-list, not "whatever is public": the facts rules see stay internal.
        var rules = Library.GetTypes().Where(t => t.Namespace == "CreditPolicy.Rules").ToArray();

        Assert.Contains(rules, t => t.Name == "CaseFacts");
        Assert.Contains(rules, t => t.Name == "ExpressionSandbox");
        Assert.All(rules.Where(t => t.Name.Contains("Facts", StringComparison.Ordinal) || t.Name is "Cal" or "ExpressionSandbox" or "StepBudget"), t => Assert.False(t.IsVisible, $"{t.FullName} is public"));
    }

    [Fact]
    public void PublicApi_EveryPublicClass_IsSealedStaticOrAnAbstractCaseObject()
    {
        var open = Library.GetExportedTypes()
            .Where(t => t.IsClass && !t.IsSealed && !(t.IsAbstract && t.IsSealed))
            .Where(t => !(t.IsAbstract && typeof(CreditPolicy.Model.CaseObject).IsAssignableFrom(t)))
            .Select(t => t.FullName)
            .ToArray();

        Assert.Empty(open);
    }

    // Reading the IL.

    private static IReadOnlyList<(string From, string To, string Example)> ReadReferences()
    {
        using var pe = new PEReader(File.OpenRead(Library.Location));
        var md = pe.GetMetadataReader();
        var found = new Dictionary<(string, string), string>();
        var provider = new TypeCollector(md);

        foreach (var handle in md.TypeDefinitions)
        {
            var from = NamespaceOf(md, handle);
            if (!IsOurs(from)) continue;
            var name = FullName(md, handle);
            var targets = new HashSet<TypeDefinitionHandle>();
            var type = md.GetTypeDefinition(handle);

            Add(md, provider, type.BaseType, targets);
            foreach (var i in type.GetInterfaceImplementations()) Add(md, provider, md.GetInterfaceImplementation(i).Interface, targets);
            Attributes(md, provider, type.GetCustomAttributes(), targets);
            foreach (var f in type.GetFields())
            {
                var field = md.GetFieldDefinition(f);
                targets.UnionWith(field.DecodeSignature(provider, null));
                Attributes(md, provider, field.GetCustomAttributes(), targets);
            }

            foreach (var p in type.GetProperties()) Attributes(md, provider, md.GetPropertyDefinition(p).GetCustomAttributes(), targets);
            foreach (var m in type.GetMethods())
            {
                var method = md.GetMethodDefinition(m);
                var signature = method.DecodeSignature(provider, null);
                targets.UnionWith(signature.ReturnType);
                foreach (var p in signature.ParameterTypes) targets.UnionWith(p);
                Attributes(md, provider, method.GetCustomAttributes(), targets);
                if (method.RelativeVirtualAddress == 0) continue;
                var body = pe.GetMethodBody(method.RelativeVirtualAddress);
                if (!body.LocalSignature.IsNil)
                {
                    foreach (var local in md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(provider, null)) targets.UnionWith(local);
                }

                foreach (var token in Tokens(body.GetILBytes() ?? [])) Add(md, provider, MetadataTokens.EntityHandle(token), targets);
            }

            foreach (var target in targets)
            {
                var to = NamespaceOf(md, target);
                if (IsOurs(to)) found.TryAdd((from, to), $"{name} uses {FullName(md, target)}");
            }
        }

        return found.Select(kv => (kv.Key.Item1, kv.Key.Item2, kv.Value)).ToArray();
    }

    private static bool IsOurs(string ns) => ns == "CreditPolicy" || ns.StartsWith("CreditPolicy.", StringComparison.Ordinal);

    private static void Attributes(MetadataReader md, TypeCollector provider, CustomAttributeHandleCollection attributes, HashSet<TypeDefinitionHandle> targets)
    {
        foreach (var a in attributes) Add(md, provider, md.GetCustomAttribute(a).Constructor, targets);
    }

    /// <summary>The types of this assembly a metadata token names: a type, or the type declaring a member, with any generic arguments.</summary>
    private static void Add(MetadataReader md, TypeCollector provider, EntityHandle handle, HashSet<TypeDefinitionHandle> targets)
    {
        if (handle.IsNil) return;
        switch (handle.Kind)
        {
            case HandleKind.TypeDefinition:
                targets.Add((TypeDefinitionHandle)handle);
                break;
            case HandleKind.TypeSpecification:
                targets.UnionWith(md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(provider, null));
                break;
            case HandleKind.MethodDefinition:
                targets.Add(md.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType());
                break;
            case HandleKind.FieldDefinition:
                targets.Add(md.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType());
                break;
            case HandleKind.MemberReference:
                var member = md.GetMemberReference((MemberReferenceHandle)handle);
                Add(md, provider, member.Parent, targets);
                if (member.GetKind() == MemberReferenceKind.Method)
                {
                    var signature = member.DecodeMethodSignature(provider, null);
                    targets.UnionWith(signature.ReturnType);
                    foreach (var p in signature.ParameterTypes) targets.UnionWith(p);
                }
                else
                {
                    targets.UnionWith(member.DecodeFieldSignature(provider, null));
                }

                break;
            case HandleKind.MethodSpecification:
                var spec = md.GetMethodSpecification((MethodSpecificationHandle)handle);
                Add(md, provider, spec.Method, targets);
                foreach (var argument in spec.DecodeSignature(provider, null)) targets.UnionWith(argument);
                break;
            case HandleKind.StandaloneSignature:
                var standalone = md.GetStandaloneSignature((StandaloneSignatureHandle)handle);
                if (standalone.GetKind() == StandaloneSignatureKind.Method)
                {
                    var signature = standalone.DecodeMethodSignature(provider, null);
                    targets.UnionWith(signature.ReturnType);
                    foreach (var p in signature.ParameterTypes) targets.UnionWith(p);
                }

                break;
        }
    }

    private static readonly IReadOnlyDictionary<short, OperandType> OperandTypes = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value, o => o.OperandType);

    /// <summary>Every metadata token in a method body's IL (the operands of call, newobj, ldfld, box, ldtoken, …).</summary>
    private static IEnumerable<int> Tokens(byte[] il)
    {
        for (var i = 0; i < il.Length;)
        {
            short value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            var operand = OperandTypes[value];
            switch (operand)
            {
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok or OperandType.InlineSig:
                    yield return BitConverter.ToInt32(il, i);
                    i += 4;
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    i += 1;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    i += 8;
                    break;
                case OperandType.InlineSwitch:
                    var targets = BitConverter.ToInt32(il, i);
                    i += 4 + (4 * targets);
                    break;
                default:
                    // InlineBrTarget, InlineI, InlineString, ShortInlineR.
                    i += 4;
                    break;
            }
        }
    }

    private static string NamespaceOf(MetadataReader md, TypeDefinitionHandle handle)
    {
        var type = md.GetTypeDefinition(handle);
        while (type.IsNested) type = md.GetTypeDefinition(type.GetDeclaringType());
        return md.GetString(type.Namespace);
    }

    private static string FullName(MetadataReader md, TypeDefinitionHandle handle)
    {
        var type = md.GetTypeDefinition(handle);
        var name = md.GetString(type.Name);
        return type.IsNested ? FullName(md, type.GetDeclaringType()) + "+" + name : md.GetString(type.Namespace) + "." + name;
    }

    /// <summary>Decodes signatures into the types of this assembly they mention.</summary>
    private sealed class TypeCollector(MetadataReader md) : ISignatureTypeProvider<ImmutableArray<TypeDefinitionHandle>, object?>
    {
        private static readonly ImmutableArray<TypeDefinitionHandle> None = [];

        public ImmutableArray<TypeDefinitionHandle> GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => [handle];

        public ImmutableArray<TypeDefinitionHandle> GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => None;

        public ImmutableArray<TypeDefinitionHandle> GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            md.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public ImmutableArray<TypeDefinitionHandle> GetGenericInstantiation(ImmutableArray<TypeDefinitionHandle> genericType, ImmutableArray<ImmutableArray<TypeDefinitionHandle>> typeArguments) =>
            [.. genericType, .. typeArguments.SelectMany(a => a)];

        public ImmutableArray<TypeDefinitionHandle> GetArrayType(ImmutableArray<TypeDefinitionHandle> elementType, ArrayShape shape) => elementType;

        public ImmutableArray<TypeDefinitionHandle> GetSZArrayType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;

        public ImmutableArray<TypeDefinitionHandle> GetByReferenceType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;

        public ImmutableArray<TypeDefinitionHandle> GetPointerType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;

        public ImmutableArray<TypeDefinitionHandle> GetPinnedType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;

        public ImmutableArray<TypeDefinitionHandle> GetModifiedType(ImmutableArray<TypeDefinitionHandle> modifier, ImmutableArray<TypeDefinitionHandle> unmodifiedType, bool isRequired) => unmodifiedType;

        public ImmutableArray<TypeDefinitionHandle> GetFunctionPointerType(MethodSignature<ImmutableArray<TypeDefinitionHandle>> signature) =>
            [.. signature.ReturnType, .. signature.ParameterTypes.SelectMany(p => p)];

        public ImmutableArray<TypeDefinitionHandle> GetGenericMethodParameter(object? genericContext, int index) => None;

        public ImmutableArray<TypeDefinitionHandle> GetGenericTypeParameter(object? genericContext, int index) => None;

        public ImmutableArray<TypeDefinitionHandle> GetPrimitiveType(PrimitiveTypeCode typeCode) => None;
    }
}
