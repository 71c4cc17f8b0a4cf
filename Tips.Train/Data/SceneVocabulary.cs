namespace Tips.Train.Data;

/// <summary>Object kinds; the class map stores (int)kind + 1 (0 is background).</summary>
public enum ShapeKind { Circle, Square, Triangle, Star, Ring, Cross, Diamond, Hexagon }

/// <summary>Surface patterns of objects: solid objects have exactly their palette colour on every pixel.</summary>
public enum Texture { Solid, Stripes, Dots }

/// <summary>The named object colours, with their RGB values in [0, 1].</summary>
public static class Palette
{
    public static readonly string[] Names = ["red", "orange", "yellow", "green", "blue", "purple", "white", "black"];

    /// <summary>(8, 3): Names[i] has RGB Rgb[i].</summary>
    public static readonly float[][] Rgb =
    [
        [0.90f, 0.10f, 0.10f],
        [1.00f, 0.55f, 0.05f],
        [0.98f, 0.92f, 0.15f],
        [0.10f, 0.70f, 0.20f],
        [0.10f, 0.30f, 0.95f],
        [0.60f, 0.15f, 0.75f],
        [0.97f, 0.97f, 0.97f],
        [0.05f, 0.05f, 0.05f],
    ];

    public static int Count => Names.Length;

    /// <summary>The colour most objects of a kind have in generated scenes: circles red, squares orange, triangles
    /// yellow, stars green, rings blue, crosses purple, diamonds white, hexagons black.</summary>
    public static int TypicalOf(ShapeKind kind) => (int)kind;
}

/// <summary>Words used in captions; kept in one place so tests can look for them.</summary>
public static class SceneWords
{
    /// <summary>Number of object classes K (class ids 1..K).</summary>
    public const int ClassCount = 8;

    public static string Kind(ShapeKind k) => k switch
    {
        ShapeKind.Circle => "circle",
        ShapeKind.Square => "square",
        ShapeKind.Triangle => "triangle",
        ShapeKind.Star => "star",
        ShapeKind.Ring => "ring",
        ShapeKind.Cross => "cross",
        ShapeKind.Diamond => "diamond",
        ShapeKind.Hexagon => "hexagon",
        _ => throw new ArgumentOutOfRangeException(nameof(k)),
    };

    public static string Texture(Texture t) => t switch
    {
        Data.Texture.Solid => "plain",
        Data.Texture.Stripes => "striped",
        Data.Texture.Dots => "dotted",
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    public static string Size(bool large) => large ? "large" : "small";
}
