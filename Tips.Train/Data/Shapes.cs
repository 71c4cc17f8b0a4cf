namespace Tips.Train.Data;

/// <summary>
/// Inside tests of the object kinds in the object's unit frame: u to the right, v downwards, both divided by the
/// radius, so every shape fits [-1, 1]^2. All are symmetric in u, which keeps a mirrored layout the exact mirror image.
/// </summary>
internal static class Shapes
{
    private const double StarInner = 0.45;
    private static readonly double StarHalfSector = Math.PI / 5;
    private static readonly double StarNumerator = StarInner * Math.Sin(StarHalfSector);

    public static bool Inside(ShapeKind kind, double u, double v)
    {
        double au = Math.Abs(u), av = Math.Abs(v);
        return kind switch
        {
            ShapeKind.Circle => u * u + v * v <= 1,
            ShapeKind.Square => au <= 0.8 && av <= 0.8,
            // Apex at v = -1, base at v = 0.85, base half-width 1.
            ShapeKind.Triangle => v <= 0.85 && au <= (v + 1) / 1.85,
            ShapeKind.Star => InsideStar(u, v),
            ShapeKind.Ring => u * u + v * v <= 1 && u * u + v * v >= 0.55 * 0.55,
            ShapeKind.Cross => (au <= 0.3 && av <= 0.95) || (av <= 0.3 && au <= 0.95),
            ShapeKind.Diamond => au + av <= 1,
            // Flat top and bottom, corners at (+-1, 0).
            ShapeKind.Hexagon => av <= 0.866 && Math.Sqrt(3) * au + av <= Math.Sqrt(3),
            _ => false,
        };
    }

    /// <summary>Five points, one straight up; outer radius 1, inner 0.45. In polar form the edge from the outer vertex
    /// (angle 0) to the inner one (angle pi/5) is r(phi) = ro ri sin(pi/5) / (ro sin(phi) + ri sin(pi/5 - phi)).</summary>
    private static bool InsideStar(double u, double v)
    {
        double r2 = u * u + v * v;
        if (r2 > 1) return false;
        if (r2 <= StarInner * StarInner) return true;
        double phi = Math.Atan2(Math.Abs(u), -v) % (2 * StarHalfSector);
        if (phi > StarHalfSector) phi = 2 * StarHalfSector - phi;
        double edge = StarNumerator / (Math.Sin(phi) + StarInner * Math.Sin(StarHalfSector - phi));
        return r2 <= edge * edge;
    }
}
