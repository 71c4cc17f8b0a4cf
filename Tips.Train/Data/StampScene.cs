namespace Tips.Train.Data;

/// <summary>
/// One stamp as placed: the box [Left, Left + Width) x [Top, BaseY) in pixels (the stamp's visible box scaled to it),
/// standing on the ground at row <see cref="BaseY"/>, at the ground's depth there.
/// </summary>
public sealed record PlacedStamp(int Stamp, int Category, string Name, string Caption, double Left, double Top, double Width, double Height, float Depth)
{
    public double BaseY => Top + Height;
    public double CenterX => Left + Width / 2;
    public double CenterY => Top + Height / 2;

    /// <summary>Class id in the class map (1..K).</summary>
    public int ClassId => Category + 1;

    public string CategoryName => StampCategories.Name(Category);
}

/// <summary>A stamp scene: the example, its stamps far to near (drawing order), and which stamp (index + 1, 0 none)
/// owns each pixel of the class map.</summary>
public sealed record StampScene(Example Example, IReadOnlyList<PlacedStamp> Stamps, int[] Instances, double HorizonY, string Ground, string Sky);
