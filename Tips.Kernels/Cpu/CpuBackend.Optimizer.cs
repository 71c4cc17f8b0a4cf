using System.Numerics;
using System.Runtime.InteropServices;

namespace Tips.Kernels;

// Optimizer updates over flat parameter buffers.
public sealed partial class CpuBackend
{
    /// <summary>
    /// PyTorch's torch.optim.AdamW step, in its order of operations: p *= 1 - lr * wd; m = b1 m + (1 - b1) g;
    /// v = b2 v + (1 - b2) g^2; p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
    /// Equal to p -= lr * (mhat / (sqrt(vhat) + eps) + wd * p) with p on the right the value before the step.
    /// </summary>
    public void AdamW(DeviceBuffer<float> param, DeviceBuffer<float> grad, DeviceBuffer<float> m, DeviceBuffer<float> v,
        float lr, float beta1, float beta2, float eps, float weightDecay, int step)
    {
        const string op = nameof(AdamW);
        if (step < 1) throw new BackendException($"{op}: step {step} must be 1 or more");
        var pb = Own(param);
        var gb = Need(grad, pb.Length, op, "grad");
        var mb = Need(m, pb.Length, op, "m");
        var vb = Need(v, pb.Length, op, "v");
        // Bias corrections in double, as PyTorch computes them on Python floats.
        float decay = 1f - lr * weightDecay;
        float stepSize = (float)(lr / (1.0 - Math.Pow(beta1, step)));
        float bc2Sqrt = (float)Math.Sqrt(1.0 - Math.Pow(beta2, step));
        CpuSimd.ForFlat((int)pb.Length, (i0, i1) =>
        {
            int n = i1 - i0;
            var ps = pb.Array.AsSpan(pb.Offset + i0, n);
            var gs = gb.Array.AsSpan(gb.Offset + i0, n);
            var ms = mb.Array.AsSpan(mb.Offset + i0, n);
            var vs = vb.Array.AsSpan(vb.Offset + i0, n);
            int i = 0;
            if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
            {
                // The scalar loop's operations in the same order, lane by lane (sqrt and division are exact in both).
                var pv = MemoryMarshal.Cast<float, Vector<float>>(ps);
                var gv = MemoryMarshal.Cast<float, Vector<float>>(gs);
                var mv = MemoryMarshal.Cast<float, Vector<float>>(ms);
                var vv = MemoryMarshal.Cast<float, Vector<float>>(vs);
                Vector<float> oneMinusB1 = new(1f - beta1), b2 = new(beta2), oneMinusB2 = new(1f - beta2);
                Vector<float> decayV = new(decay), stepV = new(stepSize), bc2 = new(bc2Sqrt), epsV = new(eps);
                for (int j = 0; j < pv.Length; j++)
                {
                    var g = gv[j];
                    var mi = mv[j] + oneMinusB1 * (g - mv[j]);
                    var vi = b2 * vv[j] + oneMinusB2 * g * g;
                    mv[j] = mi;
                    vv[j] = vi;
                    pv[j] = pv[j] * decayV - stepV * mi / (Vector.SquareRoot(vi) / bc2 + epsV);
                }
                i = pv.Length * Vector<float>.Count;
            }
            for (; i < n; i++)
            {
                float g = gs[i];
                float mi = ms[i] + (1f - beta1) * (g - ms[i]);
                float vi = beta2 * vs[i] + (1f - beta2) * g * g;
                ms[i] = mi;
                vs[i] = vi;
                ps[i] = ps[i] * decay - stepSize * mi / (MathF.Sqrt(vi) / bc2Sqrt + eps);
            }
        });
    }

    public void Ema(DeviceBuffer<float> teacher, DeviceBuffer<float> student, float momentum)
    {
        var tb = Own(teacher);
        var sb = Need(student, tb.Length, nameof(Ema), "student");
        CpuSimd.ForFlat((int)tb.Length, (i0, i1) =>
        {
            var ts = tb.Array.AsSpan(tb.Offset + i0, i1 - i0);
            var ss = sb.Array.AsSpan(sb.Offset + i0, i1 - i0);
            for (int i = 0; i < ts.Length; i++) ts[i] = momentum * ts[i] + (1f - momentum) * ss[i];
        });
    }
}
