namespace TvRelu;

/// <summary>Placeholder so the façade builds; delete once real types exist.</summary>
public static class Placeholder
{
    /// <summary>A placeholder value.</summary>
    public static int Answer => 42;
}
