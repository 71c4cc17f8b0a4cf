namespace Tips.Bench;

/// <summary>
/// Every benchmarked kernel and shape. TIPS ViT-B shapes: M = 1026 tokens (1024 patches + 2 CLS), D = 768,
/// MLP 3072, fused qkv 2304 (M = 258 at 224 px: 256 patches + 2 CLS); Linear layers are y = x W^T (NT), their
/// backward dX = dY W (NN) and dW = dY^T X (TN).
/// </summary>
public static class Cases
{
    public static readonly IReadOnlyList<(string Group, Func<BenchCase> Create)> All =
    [
        ("gemm", () => new GemmCase("qkv", false, true, 1026, 2304, 768)),
        ("gemm", () => new GemmCase("proj", false, true, 1026, 768, 768)),
        ("gemm", () => new GemmCase("fc1", false, true, 1026, 3072, 768)),
        ("gemm", () => new GemmCase("fc2", false, true, 1026, 768, 3072)),
        ("gemm", () => new GemmCase("qkv.dX", false, false, 1026, 768, 2304)),
        ("gemm", () => new GemmCase("fc2.dX", false, false, 1026, 3072, 768)),
        ("gemm", () => new GemmCase("qkv.dW", true, false, 2304, 768, 1026)),
        ("gemm", () => new GemmCase("fc1.dW", true, false, 3072, 768, 1026)),
        ("gemm", () => new GemmCase("fc2.dW", true, false, 768, 3072, 1026)),
        ("gemm", () => new GemmCase("qkv", false, true, 258, 2304, 768)),
        ("gemm", () => new GemmCase("fc1", false, true, 258, 3072, 768)),
        ("gemm", () => new GemmCase("fc2", false, true, 258, 768, 3072)),
        ("gemm", () => new GemmCase("square", false, false, 512, 512, 512)),
        ("gemm", () => new GemmCase("square", false, false, 1024, 1024, 1024)),
        ("gemm", () => new GemmCase("text.qkv", false, true, 64, 2304, 768)),
        ("gemm", () => new GemmCase("vector", false, true, 1, 768, 768, bandwidthBound: true)),
        ("gemm", () => new GemmCase("vector", false, true, 1, 3072, 768, bandwidthBound: true)),
        ("norm", () => new LayerNormCase(1026 * 8, 768)),
        ("norm", () => new SoftmaxCase(12 * 1026, 1026)),
        ("attention", () => new AttentionCase(1, 1026, 12, 64)),
        ("attention", () => new AttentionGemmsCase(1026, 12, 64)),
    ];

    public static IEnumerable<string> Keys(string group) =>
        All.Where(c => c.Group == group).Select(c => { using var b = c.Create(); return b.Key; });

    public static BenchCase Create(string key) =>
        All.Select(c => c.Create()).FirstOrDefault(c => c.Key == key) ?? throw new ArgumentException($"no bench case '{key}'");
}
