namespace Tips.Tests;

/// <summary>Locates the repository root and the shared fixtures beside it.</summary>
public static class Paths
{
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>../shared next to the checkout, or $TIPS_SHARED.</summary>
    public static string Shared =>
        Environment.GetEnvironmentVariable("TIPS_SHARED") is { Length: > 0 } s ? s : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    public static string Fixtures => Path.Combine(Shared, "fixtures");

    public static string Tiny => Path.Combine(Fixtures, "tiny");

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "TipsRuntime.sln"))) return d.FullName;
        throw new InvalidOperationException("TipsRuntime.sln not found above " + AppContext.BaseDirectory);
    }
}
