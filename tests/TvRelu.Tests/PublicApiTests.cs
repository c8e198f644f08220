using System.Reflection;

namespace TvRelu.Tests;

/// <summary>
/// The façade's public surface is plain C#: no F# type, no core type and no type of the audit engine (TvRelu.ProofsChecks,
/// FsCheck, ScottPlot) appears in any public signature; and the CLI reaches the library only through it.
/// </summary>
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
            where Forbidden.Any(f => ns.StartsWith(f, StringComparison.Ordinal))
            select $"{type.Name} uses {used.FullName}";

        Assert.Empty(offenders.Distinct());
    }

    private static readonly string[] Forbidden = ["Microsoft.FSharp", "TvRelu.Core", "TvRelu.ProofsChecks", "FsCheck", "ScottPlot"];

    [Fact]
    public void TheClaimsAuditIsPartOfThePlainCSharpSurface()
    {
        var audit = typeof(TvRelu.Audit.ClaimsAudit).Assembly.GetExportedTypes().Where(t => t.Namespace == "TvRelu.Audit").Select(t => t.Name);
        Assert.Contains("ClaimsAudit", audit);
        Assert.Contains("AuditCampaign", audit);
        Assert.Contains("AuditRunSummary", audit);
        Assert.Contains("AuditMergeSummary", audit);
        Assert.Same(typeof(TvReluProblem).Assembly, typeof(TvRelu.Audit.ClaimsAudit).Assembly);
    }

    [Fact]
    public void TheCommandLineSeesNeitherTheCoreNorTheAuditEngine()
    {
        // It used to call ShardModule.resolve, Report.write and Campaign.run of TvRelu.ProofsChecks directly.
        var references = typeof(Cli.Cli).Assembly.GetReferencedAssemblies().Select(a => a.Name);
        Assert.DoesNotContain("TvRelu.ProofsChecks", references);
        Assert.DoesNotContain("TvRelu.Core", references);
        Assert.DoesNotContain("FSharp.Core", references);
        Assert.Contains("TvRelu", references);
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
