using Tips.Model.Checkpoints;
using Tips.Train;

namespace Tips.Tests.Cli;

/// <summary>Runs the tips command in-process on the tiny fixture, in a scratch folder removed afterwards.</summary>
public sealed class CliRun : IDisposable
{
    public CliRun()
    {
        Dir = Path.Combine(Path.GetTempPath(), "tips-cli-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Dir);
    }

    public string Dir { get; }

    public static string Tiny(string name) => Path.Combine(Paths.Tiny, name);

    public static string Image(string size) => Path.Combine(Paths.Tiny, "images", $"img_{size}.png");

    /// <summary>Model flags for the tiny fixture (not an official variant: heads come from its config).</summary>
    public static string[] Vision => ["--vision", Tiny("vision.npz"), "--config", Tiny("config.json"), "--device", "cpu"];

    public static string[] Both =>
        [.. Vision, "--text", Tiny("text.npz"), "--tokenizer", Tiny("tokenizer.model")];

    public string File(string name) => Path.Combine(Dir, name);

    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Execute(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs a command that must succeed; fails the test with its stderr otherwise.</summary>
    public static string Ok(params string[] args)
    {
        var (code, stdout, stderr) = Run(args);
        Assert.True(code == 0, $"exit {code}: {stderr}");
        return stdout;
    }

    public static float[] Floats(string npz, string key) => StateDict.LoadNpz(npz)[key].Floats;

    public static void RelL2(float[] expected, float[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double num = 0, den = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.False(float.IsNaN(actual[i]), $"{what}[{i}] is NaN");
            num += Math.Pow(actual[i] - expected[i], 2);
            den += Math.Pow(expected[i], 2);
        }
        double rel = Math.Sqrt(num / den);
        Assert.True(rel <= tolerance, $"{what}: relative L2 error {rel:E3} > {tolerance:E1}");
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); }
        catch (IOException) { }
    }
}
