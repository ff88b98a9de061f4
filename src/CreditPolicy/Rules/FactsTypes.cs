using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using System.Reflection.Emit;
using CreditPolicy.Model;
using CreditPolicy.Model.Contract;

namespace CreditPolicy.Rules;

/// <summary>The types rule expressions see for one vocabulary: the case (<c>c</c>) per request type, and the grant (<c>g</c>), with typed members for every declared attribute.</summary>
/// <remarks>
/// Made once per vocabulary shape and kept for the life of the process, like the object types they wrap
/// (<see cref="ContractTypes"/>). A typed member reads a field of the case object directly: no dictionary lookup or
/// boxing per read.
/// </remarks>
internal sealed class FactsTypes
{
    private static readonly ConcurrentDictionary<string, Lazy<FactsTypes>> Cache = new(StringComparer.Ordinal);

    private readonly Func<CaseFacts> _createAny;
    private readonly IReadOnlyDictionary<string, Func<CaseFacts>> _create;
    private readonly Func<CaseGrant, int, GrantFacts> _newGrant;
    private readonly Func<int, GrantFacts[]> _newArray;

    private FactsTypes(
        Type grantType,
        Type anyCaseType,
        IReadOnlyDictionary<string, Type> caseTypes,
        Func<CaseGrant, int, GrantFacts> newGrant,
        Func<int, GrantFacts[]> newArray)
    {
        GrantType = grantType;
        AnyCaseType = anyCaseType;
        CaseTypes = caseTypes;
        _newGrant = newGrant;
        _newArray = newArray;
        _createAny = Expression.Lambda<Func<CaseFacts>>(Expression.New(anyCaseType)).Compile();
        _create = caseTypes.ToDictionary(kv => kv.Key, kv => Expression.Lambda<Func<CaseFacts>>(Expression.New(kv.Value)).Compile(), StringComparer.Ordinal);
    }

    /// <summary>What <c>g</c> is in grant rules and in <c>c.Grants</c>.</summary>
    public Type GrantType { get; }

    /// <summary>What <c>c</c> is in grant rules and checks that run for every request: <c>c.Request</c> has only <c>Type</c>.</summary>
    public Type AnyCaseType { get; }

    /// <summary>What <c>c</c> is in a rule for one request type: <c>c.Request</c> has that type's fields.</summary>
    public IReadOnlyDictionary<string, Type> CaseTypes { get; }

    /// <summary>The facts types of a vocabulary, made on first use.</summary>
    public static FactsTypes For(CaseContract contract) =>
        Cache.GetOrAdd(contract.Signature, _ => new Lazy<FactsTypes>(() => Emit(contract), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    /// <summary>New facts for a case, of the type for its request type.</summary>
    public CaseFacts Create(CreditCase @case, RuleSet? set, Action<CaseFacts>? grantStage)
    {
        var facts = _create.TryGetValue(@case.Request.Type, out var create) ? create() : _createAny();
        facts.Init(@case, set, this, grantStage);
        return facts;
    }

    /// <summary>One facts object per grant, in ordinal grant id order, in an array of the vocabulary's grant facts type.</summary>
    /// <remarks>
    /// Not in case order: everything a rule or the evaluator sees through the facts (<c>c.Grants.First()</c>, the order grant
    /// rules run in and so the grant a failure names, the order a sum adds in) must not depend on the order of grants in the
    /// case. Grant ids are unique in a case, so the order is total.
    /// </remarks>
    public GrantFacts[] NewGrants(CreditCase @case)
    {
        var ordered = @case.GrantsById;
        var array = _newArray(ordered.Count);
        for (var i = 0; i < array.Length; i++) array[i] = _newGrant(ordered[i], i);
        return array;
    }

    private static FactsTypes Emit(CaseContract contract)
    {
        var name = "CreditPolicy.Facts." + contract.Signature[..12];
        var assembly = AssemblyBuilder.DefineDynamicAssembly(new AssemblyName(name), AssemblyBuilderAccess.Run);
        var module = assembly.DefineDynamicModule(name);

        // The facts types derive from this library's internal CaseFacts and GrantFacts and call their internal members.
        var ignores = IgnoresAccessChecksTo(module);
        assembly.SetCustomAttribute(new CustomAttributeBuilder(ignores.GetConstructor([typeof(string)])!, [typeof(CaseFacts).Assembly.GetName().Name!]));

        var grantData = contract.Grant.DataType;
        var grantType = EmitGrant(module, name, contract.Grant, grantData);
        var anyCase = module.DefineType(name + ".Case", TypeAttributes.Public | TypeAttributes.Class, typeof(CaseFacts));
        anyCase.DefineDefaultConstructor(MethodAttributes.Public);
        Property(anyCase, "Account", contract.Account.DataType, il =>
        {
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Call, Getter(nameof(CaseFacts.AccountObject)));
            il.Emit(OpCodes.Castclass, contract.Account.DataType);
        });
        Property(anyCase, "Request", typeof(CaseRequest), il =>
        {
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Call, Getter(nameof(CaseFacts.RequestObject)));
        });
        Property(anyCase, "Grants", typeof(IReadOnlyList<>).MakeGenericType(grantType), il =>
        {
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Call, Getter(nameof(CaseFacts.GrantList)));
            il.Emit(OpCodes.Castclass, grantType.MakeArrayType());
        });
        Property(anyCase, "Target", grantType, il =>
        {
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Call, Getter(nameof(CaseFacts.TargetFacts)));
            il.Emit(OpCodes.Castclass, grantType);
        });
        var anyCaseType = anyCase.CreateType();

        var caseTypes = new Dictionary<string, Type>(StringComparer.Ordinal);
        var counter = 0;
        foreach (var type in contract.RequestTypes)
        {
            var requestData = contract.Requests[type].Fields.DataType;
            var tb = module.DefineType($"{name}.Case{counter++}", TypeAttributes.Public | TypeAttributes.Sealed | TypeAttributes.Class, anyCaseType);
            tb.DefineDefaultConstructor(MethodAttributes.Public);
            Property(tb, "Request", requestData, il =>
            {
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Call, Getter(nameof(CaseFacts.RequestObject)));
                il.Emit(OpCodes.Castclass, requestData);
            });
            caseTypes[type] = tb.CreateType();
        }

        var d = Expression.Parameter(typeof(CaseGrant), "d");
        var i = Expression.Parameter(typeof(int), "i");
        var newGrant = Expression.Lambda<Func<CaseGrant, int, GrantFacts>>(
            Expression.New(grantType.GetConstructor([typeof(CaseGrant), typeof(int)])!, d, i), d, i).Compile();
        var n = Expression.Parameter(typeof(int), "n");
        var newArray = Expression.Lambda<Func<int, GrantFacts[]>>(Expression.NewArrayBounds(grantType, n), n).Compile();
        return new FactsTypes(grantType, anyCaseType, caseTypes, newGrant, newArray);
    }

    private static Type EmitGrant(ModuleBuilder module, string name, EntityContract grant, Type grantData)
    {
        var tb = module.DefineType(name + ".Grant", TypeAttributes.Public | TypeAttributes.Sealed | TypeAttributes.Class, typeof(GrantFacts));
        var data = tb.DefineField("<data>", grantData, FieldAttributes.Private | FieldAttributes.InitOnly);
        var ctor = tb.DefineConstructor(MethodAttributes.Public, CallingConventions.Standard, [typeof(CaseGrant), typeof(int)]);
        var baseCtor = typeof(GrantFacts).GetConstructor(BindingFlags.NonPublic | BindingFlags.Instance, [typeof(CaseGrant), typeof(int)])!;
        var il = ctor.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Ldarg_2);
        il.Emit(OpCodes.Call, baseCtor);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Castclass, grantData);
        il.Emit(OpCodes.Stfld, data);
        il.Emit(OpCodes.Ret);
        foreach (var a in grant.Attributes.Where(a => a.Structural == Structural.None))
        {
            var field = a.Field!;
            Property(tb, a.Member, field.FieldType, g =>
            {
                g.Emit(OpCodes.Ldarg_0);
                g.Emit(OpCodes.Ldfld, data);
                g.Emit(OpCodes.Ldfld, field);
            });
        }

        return tb.CreateType();
    }

    private static void Property(TypeBuilder tb, string name, Type type, Action<ILGenerator> body)
    {
        var property = tb.DefineProperty(name, PropertyAttributes.None, type, null);
        var getter = tb.DefineMethod("get_" + name, MethodAttributes.Public | MethodAttributes.SpecialName | MethodAttributes.HideBySig, type, Type.EmptyTypes);
        var il = getter.GetILGenerator();
        body(il);
        il.Emit(OpCodes.Ret);
        property.SetGetMethod(getter);
    }

    private static MethodInfo Getter(string property) =>
        typeof(CaseFacts).GetProperty(property, BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Instance)!.GetMethod!;

    /// <summary>Defines System.Runtime.CompilerServices.IgnoresAccessChecksToAttribute, which the runtime honours on dynamic assemblies.</summary>
    private static Type IgnoresAccessChecksTo(ModuleBuilder module)
    {
        var tb = module.DefineType("System.Runtime.CompilerServices.IgnoresAccessChecksToAttribute", TypeAttributes.Public | TypeAttributes.Class, typeof(Attribute));
        var field = tb.DefineField("<assemblyName>", typeof(string), FieldAttributes.Private);
        var ctor = tb.DefineConstructor(MethodAttributes.Public, CallingConventions.Standard, [typeof(string)]);
        var il = ctor.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Call, typeof(Attribute).GetConstructor(BindingFlags.NonPublic | BindingFlags.Instance, Type.EmptyTypes)!);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Stfld, field);
        il.Emit(OpCodes.Ret);
        return tb.CreateType();
    }
}
