using Tips.Model.Images;

namespace Tips.Train.Cli;

/// <summary>
/// A built-in 3x5 pixel font (upper-case letters, digits, common punctuation) for legends, so drawing text needs
/// no font file. Lower case is drawn as upper case; anything else as '?'.
/// </summary>
internal static class BitmapFont
{
    public const int GlyphWidth = 3, GlyphHeight = 5;

    // Each glyph: five rows of three cells, '#' = ink, top row first.
    private static readonly Dictionary<char, string> Glyphs = new()
    {
        ['A'] = ".#.#.#####.##.#", ['B'] = "##.#.###.#.###.", ['C'] = ".###..#..#...##", ['D'] = "##.#.##.##.###.",
        ['E'] = "####..##.#..###", ['F'] = "####..##.#..#..", ['G'] = ".###..#.##.#.##", ['H'] = "#.##.####.##.##",
        ['I'] = "###.#..#..#.###", ['J'] = "..#..#..##.#.#.", ['K'] = "#.##.###.#.##.#", ['L'] = "#..#..#..#..###",
        ['M'] = "#.#####.##.##.#", ['N'] = "##.#.##.##.##.#", ['O'] = ".#.#.##.##.#.#.", ['P'] = "##.#.###.#..#..",
        ['Q'] = ".#.#.##.##.#.##", ['R'] = "##.#.###.#.##.#", ['S'] = ".###...#...###.", ['T'] = "###.#..#..#..#.",
        ['U'] = "#.##.##.##.####", ['V'] = "#.##.##.##.#.#.", ['W'] = "#.##.########.#", ['X'] = "#.##.#.#.#.##.#",
        ['Y'] = "#.##.#.#..#..#.", ['Z'] = "###..#.#.#..###",
        ['0'] = "####.##.##.####", ['1'] = ".#.##..#..#.###", ['2'] = "##...#.#.#..###", ['3'] = "##...#.#...###.",
        ['4'] = "#.##.####..#..#", ['5'] = "####..##...###.", ['6'] = ".###..####.####", ['7'] = "###..#.#..#..#.",
        ['8'] = "####.#####.####", ['9'] = ".#.#.#.##..###.",
        [' '] = "...............", ['-'] = "......###......", ['_'] = "............###", ['.'] = ".............#.",
        [','] = "..........#.#..", [':'] = "....#.....#....", ['/'] = "..#..#.#..#..#.", ['\''] = ".#..#..........",
        ['('] = ".#.#..#..#...#.", [')'] = ".#...#..#..#.#.", ['?'] = "##...#.#.....#.", ['!'] = ".#..#..#.....#.",
        ['&'] = ".#.#.#.#.#.#.##", ['+'] = "....#.###.#....", ['%'] = "#.#..#.#.#..#.#", ['='] = "...###...###...",
    };

    /// <summary>Width in pixels of <paramref name="text"/> at <paramref name="scale"/> (one blank column between glyphs).</summary>
    public static int Measure(string text, int scale) => text.Length == 0 ? 0 : (text.Length * (GlyphWidth + 1) - 1) * scale;

    /// <summary>Draws <paramref name="text"/> with its top-left corner at (top, left); clipped to the image.</summary>
    public static void Draw(RgbImage image, string text, int top, int left, int scale, (float R, float G, float B) color)
    {
        for (int i = 0; i < text.Length; i++)
        {
            var glyph = Glyph(text[i]);
            int x0 = left + i * (GlyphWidth + 1) * scale;
            for (int gy = 0; gy < GlyphHeight; gy++)
                for (int gx = 0; gx < GlyphWidth; gx++)
                {
                    if (glyph[gy * GlyphWidth + gx] != '#') continue;
                    for (int sy = 0; sy < scale; sy++)
                        for (int sx = 0; sx < scale; sx++) Set(image, top + gy * scale + sy, x0 + gx * scale + sx, color);
                }
        }
    }

    public static string Glyph(char c) => Glyphs.TryGetValue(char.ToUpperInvariant(c), out var g) ? g : Glyphs['?'];

    public static void Set(RgbImage image, int y, int x, (float R, float G, float B) color)
    {
        if (y < 0 || x < 0 || y >= image.Height || x >= image.Width) return;
        int o = (y * image.Width + x) * 3;
        image.Pixels[o] = color.R;
        image.Pixels[o + 1] = color.G;
        image.Pixels[o + 2] = color.B;
    }
}
