using Tips.Model;

namespace Tips.Train.Data;

/// <summary>
/// Finds files of Debian packages that `scripts/setup.sh --tests` extracts (apt-get download + dpkg -x) under
/// $TIPS_DEBIAN_DATA/root (default ~/.cache/tips/debian/root), or that apt-get installed system-wide (only
/// without TIPS_DEBIAN_DATA).
/// </summary>
public static class DebianData
{
    public const string Skimage = "python3-skimage";
    public const string Stamps = "tuxpaint-stamps-default";
    public const string FashionMnist = "dataset-fashion-mnist";
    public const string Netpbm = "netpbm";

    /// <summary>The extraction roots searched in order: $TIPS_DEBIAN_DATA/root alone when that is set, otherwise
    /// ~/.cache/tips/debian/root, then "/" for packages installed with apt-get.</summary>
    public static IReadOnlyList<string> Roots =>
        Environment.GetEnvironmentVariable("TIPS_DEBIAN_DATA") is { Length: > 0 } env
            ? [Path.Combine(env, "root")]
            : [Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "tips", "debian", "root"), "/"];

    /// <summary>The folder or file <paramref name="relative"/> (e.g. "usr/share/tuxpaint/stamps") of
    /// <paramref name="package"/> under the first root that has it; a TipsException saying how to install the package
    /// otherwise.</summary>
    public static string Locate(string package, string relative)
    {
        foreach (var root in Roots)
        {
            var path = Path.Combine(root, relative);
            if (Path.Exists(path)) return path;
        }
        throw new TipsException($"Debian package {package} not found ({relative} is in none of {string.Join(", ", Roots)}): "
            + $"run scripts/setup.sh --tests, or apt-get install {package}, or set TIPS_DEBIAN_DATA");
    }

    /// <summary>skimage's sample images (CC0 photographs such as astronaut.png, chelsea.png, coffee.png).</summary>
    public static string SkimageImages() => Locate(Skimage, "usr/lib/python3/dist-packages/skimage/data");

    public static string StampsFolder() => Locate(Stamps, "usr/share/tuxpaint/stamps");

    public static string FashionMnistFolder() => Locate(FashionMnist, "usr/share/datasets/fashion-mnist");
}
