namespace Tips.Train.Data;

/// <summary>
/// One placed object. Coordinates are in pixels of the generated image (pixel (x, y) covers [x, x+1) x [y, y+1));
/// the shape spans about [CenterX - Radius, CenterX + Radius] and stands on the ground at row BaseY.
/// </summary>
public sealed record SceneObject(ShapeKind Kind, int Colour, bool Large, Texture Texture,
    double CenterX, double CenterY, double Radius, double BaseY, float Depth)
{
    /// <summary>Class id in the class map (1..K).</summary>
    public int ClassId => (int)Kind + 1;

    public string ColourName => Palette.Names[Colour];

    /// <summary>"red circle": how captions name the object (colour and kind are unique within a scene).</summary>
    public string Name => $"{ColourName} {SceneWords.Kind(Kind)}";
}

/// <summary>A generated image with the layout it was drawn from, objects in drawing order (far to near).</summary>
public sealed record Scene(Example Example, IReadOnlyList<SceneObject> Objects, double HorizonY, string Ground, string Sky);

/// <summary>Disjoint seed ranges of the generated data.</summary>
public enum Split { Train, Validation, Test }
