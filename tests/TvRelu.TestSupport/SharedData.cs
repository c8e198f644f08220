namespace TvRelu.TestSupport;

/// <summary>
/// The shared material next to the repository (<c>&lt;repo&gt;/../shared</c>): THEORY.md and the reference data
/// sets with values computed by a separate solver and from a published table, an oracle independent of this
/// code. Every test finds it here, so that a worktree, a CI checkout and a test binary directory agree.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string> Root = new(Locate);

    /// <summary>The shared directory: the first <c>X/../shared</c> holding <c>reference/expected.json</c>, walking up
    /// from the test binaries.</summary>
    public static string Directory => Root.Value;

    /// <summary>The reference data directory, <c>shared/reference</c>.</summary>
    public static string ReferenceDirectory => Path.Combine(Directory, "reference");

    /// <summary>The path of a reference file (a data set, or <c>expected.json</c>).</summary>
    /// <param name="file">The file name inside <c>shared/reference</c>.</param>
    /// <returns>Its full path.</returns>
    public static string ReferencePath(string file) => Path.Combine(ReferenceDirectory, file);

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
            if (File.Exists(Path.Combine(candidate, "reference", "expected.json")))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException(
            $"no ../shared/reference/expected.json next to any parent of {AppContext.BaseDirectory}: the reference data are missing");
    }
}
