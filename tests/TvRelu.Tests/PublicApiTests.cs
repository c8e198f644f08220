using System.Reflection;

namespace TvRelu.Tests;

/// <summary>The façade's public surface is plain C#: no F# or core type appears in any public signature.</summary>
public class PublicApiTests
{
    private static IEnumerable<Type> SignatureTypes(Type type)
    {
        const BindingFlags visible = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        if (type.BaseType is { } b)
        {
            yield return b;
        }
        foreach (var i in type.GetInterfaces())
        {
            yield return i;
        }
        foreach (var p in type.GetProperties(visible))
        {
            yield return p.PropertyType;
        }
        foreach (var f in type.GetFields(visible))
        {
            yield return f.FieldType;
        }
        foreach (var m in type.GetMethods(visible).Cast<MethodBase>().Concat(type.GetConstructors(visible)))
        {
            if (m is MethodInfo mi)
            {
                yield return mi.ReturnType;
            }
            foreach (var p in m.GetParameters())
            {
                yield return p.ParameterType;
            }
        }
    }

    private static IEnumerable<Type> Expand(Type t) =>
        new[] { t }.Concat(t.IsGenericType ? t.GetGenericArguments().SelectMany(Expand) : [])
            .Concat(t.HasElementType ? Expand(t.GetElementType()!) : []);

    [Fact]
    public void NoPublicSignatureMentionsAnFSharpOrCoreType()
    {
        var offenders =
            from type in typeof(TvReluProblem).Assembly.GetExportedTypes()
            from used in SignatureTypes(type).SelectMany(Expand)
            let ns = used.Namespace ?? ""
            where ns.StartsWith("Microsoft.FSharp", StringComparison.Ordinal) || ns.StartsWith("TvRelu.Core", StringComparison.Ordinal)
            select $"{type.Name} uses {used.FullName}";

        Assert.Empty(offenders.Distinct());
    }

    [Fact]
    public void ResultRecordsExposeReadOnlyLists()
    {
        var listProperties =
            from type in typeof(TvReluProblem).Assembly.GetExportedTypes()
            from p in type.GetProperties()
            where p.PropertyType.IsArray || (p.PropertyType.IsGenericType && p.PropertyType.GetGenericTypeDefinition() == typeof(List<>))
            select $"{type.Name}.{p.Name}";

        Assert.Empty(listProperties);
    }
}
