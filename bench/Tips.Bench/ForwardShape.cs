using System.Globalization;
using Tips.Kernels;

namespace Tips.Bench;

/// <summary>The inference forward a bench mode times: [--tower vision|text] [--variant B/14] [--size 448] [--tokens 64]
/// [--batch 1] [--reps 5].</summary>
internal sealed record ForwardShape(string Tower, string Variant, int Size, int Tokens, int Batch, int Reps)
{
    /// <summary>Null (after one line on stderr) for an unknown argument.</summary>
    public static ForwardShape? Parse(string mode, string[] args)
    {
        var shape = new ForwardShape("vision", "B/14", 448, 64, 1, 5);
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            string v = args[i + 1];
            int Int() => int.Parse(v, CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--tower": shape = shape with { Tower = v }; break;
                case "--variant": shape = shape with { Variant = v }; break;
                case "--size": shape = shape with { Size = Int() }; break;
                case "--tokens": shape = shape with { Tokens = Int() }; break;
                case "--batch": shape = shape with { Batch = Int() }; break;
                case "--reps": shape = shape with { Reps = Int() }; break;
                default:
                    Console.Error.WriteLine($"{mode}: unknown argument '{args[i]}'");
                    return null;
            }
        }
        return shape;
    }

    public override string ToString() => $"{Tower} {Variant} size {Size} tokens {Tokens} batch {Batch}";

    /// <summary>A tower with N(0, 0.02) weights on <paramref name="backend"/> and one forward of it on fixed inputs
    /// (<see cref="ModelCompare"/>'s forward step).</summary>
    public ModelCompare.IStep Build(IBackend backend) => ModelCompare.ForwardStep(backend, Tower, Variant, Size, Tokens, Batch);
}
