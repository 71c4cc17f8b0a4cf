using System.Diagnostics;

namespace Tips.Tests.Text;

/// <summary>
/// Runs the reference SentencePiece command-line tools (Debian package <c>sentencepiece</c>, installed by
/// scripts/setup.sh). Missing tools fail the test with a message; they are never skipped.
/// </summary>
internal static class SpmTool
{
    public static string Run(string tool, string arguments)
    {
        var psi = new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        Process? p;
        try
        {
            p = Process.Start(psi);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{tool} not found ({e.Message}): run scripts/setup.sh (apt-get install sentencepiece)");
        }
        using var proc = p ?? throw new InvalidOperationException($"{tool} did not start");
        var stderr = proc.StandardError.ReadToEndAsync();
        string stdout = proc.StandardOutput.ReadToEnd();
        proc.WaitForExit();
        if (proc.ExitCode != 0) throw new InvalidOperationException($"{tool} {arguments} failed ({proc.ExitCode}): {stderr.Result}");
        return stdout;
    }

    /// <summary>spm_encode ids for each line of <paramref name="lines"/> (raw bytes, no newlines inside).</summary>
    public static List<int[]> Encode(string modelPath, IReadOnlyList<byte[]> lines, string dir)
    {
        string input = Path.Combine(dir, "corpus.txt"), output = Path.Combine(dir, "ids.txt");
        using (var f = File.Create(input))
            foreach (var line in lines)
            {
                f.Write(line);
                f.WriteByte((byte)'\n');
            }
        Run("spm_encode", $"--model {modelPath} --output_format=id --input {input} --output {output}");
        var result = File.ReadAllLines(output)
            .Select(l => l.Length == 0 ? [] : l.Split(' ').Select(int.Parse).ToArray())
            .ToList();
        Assert.Equal(lines.Count, result.Count);
        return result;
    }

    /// <summary>Trains a small model with spm_train on the corpus lines; returns the .model path.</summary>
    public static string Train(IReadOnlyList<byte[]> lines, string dir, string name, string options)
    {
        string input = Path.Combine(dir, name + ".train.txt");
        using (var f = File.Create(input))
            foreach (var line in lines)
            {
                f.Write(line);
                f.WriteByte((byte)'\n');
            }
        string prefix = Path.Combine(dir, name);
        Run("spm_train", $"--input {input} --model_prefix {prefix} --num_threads 1 --minloglevel 2 {options}");
        return prefix + ".model";
    }
}
