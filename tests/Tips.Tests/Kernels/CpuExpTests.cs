using System.Numerics;
using Tips.Kernels;

namespace Tips.Tests.Kernels;

public class CpuExpTests
{
    [Fact]
    public void MatchesDoubleExpAcrossTheFloatRange()
    {
        double worst = 0;
        var lanes = new float[Vector<float>.Count];
        var result = new float[Vector<float>.Count];
        for (float x = -87.3f; x < 88.3f; x += 0.01f * Vector<float>.Count)
        {
            for (int l = 0; l < lanes.Length; l++) lanes[l] = Math.Min(x + 0.01f * l, 88.37f);
            CpuExp.Exp(new Vector<float>(lanes)).CopyTo(result);
            for (int l = 0; l < lanes.Length; l++)
                worst = Math.Max(worst, Math.Abs(result[l] - Math.Exp(lanes[l])) / Math.Exp(lanes[l]));
        }
        Assert.True(worst < 2.5e-7, $"max relative error {worst:G3}");
    }

    [Fact]
    public void UnderflowsToZeroAndStaysFiniteAtTheTop()
    {
        Assert.Equal(0f, CpuExp.Exp(new Vector<float>(float.NegativeInfinity))[0]);
        Assert.Equal(0f, CpuExp.Exp(new Vector<float>(-100f))[0]);
        Assert.True(float.IsFinite(CpuExp.Exp(new Vector<float>(88.37f))[0]));
        Assert.True(float.IsFinite(CpuExp.Exp(new Vector<float>(float.PositiveInfinity))[0]));
    }
}
