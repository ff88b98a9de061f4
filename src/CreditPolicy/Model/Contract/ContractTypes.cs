using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using System.Reflection.Emit;
using System.Security.Cryptography;
using System.Text;

namespace CreditPolicy.Model.Contract;

/// <summary>Makes the .NET types that hold a vocabulary's objects, so rules read declared attributes as typed members without lookups or boxing.</summary>
/// <remarks>
/// Each entity of a vocabulary (the account, a grant, each request type, each nested object) gets a sealed type deriving
/// from <see cref="CaseAccount"/>, <see cref="CaseGrant"/>, <see cref="CaseRequest"/> or <see cref="CaseObject"/>, with one
/// field and one read-only property per declared attribute (<c>billingCountry</c> is the property <c>BillingCountry</c>).
/// Fields are named <c>&lt;billingCountry&gt;</c>, a name no expression can write, so rules see only the properties.
/// Types depend only on the vocabulary's shape (attribute names and types), are made once per shape per process, and are
/// kept for the life of the process: their number is bounded by the distinct vocabularies an operator loads, never by cases.
/// </remarks>
internal static class ContractTypes
{
    private static readonly ConcurrentDictionary<string, Lazy<Shape>> Shapes = new(StringComparer.Ordinal);

    /// <summary>Gives every entity and attribute of the contract its type, factory, field and accessors.</summary>
    public static void Bind(CaseContract contract)
    {
        var shape = Shapes.GetOrAdd(contract.Signature, _ => new Lazy<Shape>(() => Emit(contract), LazyThreadSafetyMode.ExecutionAndPublication)).Value;
        foreach (var entity in contract.Entities().Reverse())
        {
            var bound = shape.Entities[Key(entity)];
            entity.DataType = bound.Type;
            entity.Create = () =>
            {
                var o = bound.Create();
                o.Entity = entity;
                return o;
            };
            foreach (var a in entity.Attributes)
            {
                var accessors = bound.Attributes[a.Name];
                a.Field = accessors.Field;
                a.Setter = accessors.Setter;
                a.Getter = accessors.Getter;
            }
        }

        // Absent nested objects read as their defaults, inner first so an absent object's absent children exist.
        foreach (var entity in contract.Entities().Reverse().Where(e => e.Role == EntityRole.Nested))
        {
            var absent = entity.Create();
            absent.Present = false;
            foreach (var a in entity.Attributes)
            {
                if (a.Default is { } value) Assign(a, absent, value);
                else if (a.Kind == AttributeKind.Set) Assign(a, absent, StringSet.Empty);
                else if (a.Kind == AttributeKind.Object) Assign(a, absent, a.Object!.Absent!);
            }

            entity.Absent = absent;
        }
    }

    /// <summary>The signature of a contract's shape: equal signatures mean the same types fit.</summary>
    public static string Signature(EntityContract account, EntityContract grant, IEnumerable<(string Type, EntityContract Fields)> requests)
    {
        var sb = new StringBuilder();
        void Append(EntityContract e)
        {
            sb.Append(Key(e)).Append('{');
            foreach (var a in e.Attributes)
            {
                sb.Append(a.Name).Append(':');
                if (a.Object is { } nested) Append(nested);
                else sb.Append(ClrTypeName(a));
                sb.Append(a.Structural == Structural.None ? "" : "!").Append(';');
            }

            sb.Append('}');
        }

        Append(account);
        Append(grant);
        foreach (var (_, fields) in requests) Append(fields);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    /// <summary>The .NET type rules see for an attribute, nested objects aside.</summary>
    public static Type ClrType(AttributeKind kind, bool nullable) => kind switch
    {
        AttributeKind.String or AttributeKind.Enum or AttributeKind.TimeZone or AttributeKind.GrantId or AttributeKind.Kind => typeof(string),
        AttributeKind.Decimal => nullable ? typeof(decimal?) : typeof(decimal),
        AttributeKind.Integer => nullable ? typeof(long?) : typeof(long),
        AttributeKind.Boolean => nullable ? typeof(bool?) : typeof(bool),
        AttributeKind.Instant => nullable ? typeof(NodaTime.Instant?) : typeof(NodaTime.Instant),
        AttributeKind.Date => nullable ? typeof(NodaTime.LocalDate?) : typeof(NodaTime.LocalDate),
        AttributeKind.Set => typeof(StringSet),
        _ => typeof(CaseObject),
    };

    private static string ClrTypeName(AttributeContract a) => ClrType(a.Kind, a.IsNullable).FullName!;

    private static string Key(EntityContract e) => e.Role switch
    {
        EntityRole.Request => "request:" + e.Path,
        _ => e.Path,
    };

    /// <summary>Sets an attribute through its typed setter (used for defaults and absent objects).</summary>
    public static void Assign(AttributeContract a, CaseObject o, object value)
    {
        switch (a.Setter)
        {
            case Action<CaseObject, object> r: r(o, value); break;
            case Action<CaseObject, string> s: s(o, (string)value); break;
            default: a.Setter!.DynamicInvoke(o, value); break;
        }
    }

    private sealed record BoundAttribute(FieldInfo? Field, Delegate Setter, Func<CaseObject, object?> Getter);

    private sealed record BoundEntity(Type Type, Func<CaseObject> Create, IReadOnlyDictionary<string, BoundAttribute> Attributes);

    private sealed record Shape(IReadOnlyDictionary<string, BoundEntity> Entities);

    private static Shape Emit(CaseContract contract)
    {
        var name = "CreditPolicy.Vocabulary." + contract.Signature[..12];
        var assembly = AssemblyBuilder.DefineDynamicAssembly(new AssemblyName(name), AssemblyBuilderAccess.Run);
        var module = assembly.DefineDynamicModule(name);
        var entities = new Dictionary<string, BoundEntity>(StringComparer.Ordinal);
        var counter = 0;

        // Inner entities first: an object attribute's field has the nested entity's type.
        foreach (var entity in contract.Entities().Reverse())
        {
            var key = Key(entity);
            if (entities.ContainsKey(key)) continue;
            var baseType = entity.Role switch
            {
                EntityRole.Account => typeof(CaseAccount),
                EntityRole.Grant => typeof(CaseGrant),
                EntityRole.Request => typeof(CaseRequest),
                _ => typeof(CaseObject),
            };
            var typeName = $"{name}.{TypeName(entity)}{counter++}";
            var tb = module.DefineType(typeName, TypeAttributes.Public | TypeAttributes.Sealed | TypeAttributes.Class, baseType);
            tb.DefineDefaultConstructor(MethodAttributes.Public);
            var fields = new Dictionary<string, FieldBuilder>(StringComparer.Ordinal);
            foreach (var a in entity.Attributes.Where(a => a.Structural == Structural.None))
            {
                var type = a.Object is { } nested ? entities[Key(nested)].Type : ClrType(a.Kind, a.IsNullable);
                var field = tb.DefineField("<" + a.Name + ">", type, FieldAttributes.Public);
                fields[a.Name] = field;
                var property = tb.DefineProperty(a.Member, PropertyAttributes.None, type, null);
                var getter = tb.DefineMethod("get_" + a.Member, MethodAttributes.Public | MethodAttributes.SpecialName | MethodAttributes.HideBySig, type, Type.EmptyTypes);
                var il = getter.GetILGenerator();
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Ldfld, field);
                il.Emit(OpCodes.Ret);
                property.SetGetMethod(getter);
            }

            var created = tb.CreateType();
            var factory = Expression.Lambda<Func<CaseObject>>(Expression.New(created)).Compile();
            var attributes = new Dictionary<string, BoundAttribute>(StringComparer.Ordinal);
            foreach (var a in entity.Attributes)
            {
                attributes[a.Name] = a.Structural == Structural.None
                    ? Accessors(created, created.GetField("<" + a.Name + ">")!)
                    : StructuralAccessors(a.Structural);
            }

            entities[key] = new BoundEntity(created, factory, attributes);
        }

        return new Shape(entities);
    }

    private static string TypeName(EntityContract e)
    {
        var sb = new StringBuilder();
        var upper = true;
        foreach (var ch in e.Path)
        {
            if (char.IsLetterOrDigit(ch))
            {
                sb.Append(upper ? char.ToUpperInvariant(ch) : ch);
                upper = false;
            }
            else
            {
                upper = true;
            }
        }

        return e.Role == EntityRole.Request ? "Request" + sb : sb.ToString();
    }

    private static BoundAttribute Accessors(Type type, FieldInfo field)
    {
        var o = Expression.Parameter(typeof(CaseObject), "o");
        var target = Expression.Field(Expression.Convert(o, type), field);
        var getter = Expression.Lambda<Func<CaseObject, object?>>(Expression.Convert(target, typeof(object)), o).Compile();
        Delegate setter;
        if (field.FieldType.IsValueType || field.FieldType == typeof(string))
        {
            var v = Expression.Parameter(field.FieldType, "v");
            setter = Expression.Lambda(typeof(Action<,>).MakeGenericType(typeof(CaseObject), field.FieldType), Expression.Assign(target, v), o, v).Compile();
        }
        else
        {
            var v = Expression.Parameter(typeof(object), "v");
            setter = Expression.Lambda<Action<CaseObject, object>>(Expression.Assign(target, Expression.Convert(v, field.FieldType)), o, v).Compile();
        }

        return new BoundAttribute(field, setter, getter);
    }

    private static BoundAttribute StructuralAccessors(Structural role) => role switch
    {
        Structural.AccountId => new(null, (Action<CaseObject, string>)((o, v) => ((CaseAccount)o)._id = v), o => ((CaseAccount)o)._id),
        Structural.GrantId => new(null, (Action<CaseObject, string>)((o, v) => ((CaseGrant)o)._id = v), o => ((CaseGrant)o)._id),
        Structural.GrantKind => new(null, (Action<CaseObject, string>)((o, v) => ((CaseGrant)o)._kind = v), o => ((CaseGrant)o)._kind),
        Structural.GrantRemaining => new(null, (Action<CaseObject, decimal>)((o, v) => ((CaseGrant)o)._remaining = v), o => ((CaseGrant)o)._remaining),
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };
}
