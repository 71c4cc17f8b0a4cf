namespace Tips.Train.Training;

/// <summary>Which captions feed the contrastive losses: web alt-text to CLS1, synthetic to CLS2, or both.</summary>
public enum CaptionMode { Web, Synthetic, Both }

/// <summary>How the masked view picks its patches.</summary>
public enum MaskKind { Random, Block }

/// <summary>Teacher: a full EMA copy of backbone and heads, or EMA heads on the student's own backbone (TIPSv2).</summary>
public enum TeacherMode { FullEma, HeadOnlyEma }

/// <summary>
/// The training recipe's knobs (docs/tips-training.md; *defaults* as DINOv2/iBOT where TIPS leaves them open).
/// Steps count optimiser updates; schedules run over <see cref="TotalSteps"/>.
/// </summary>
public sealed record TrainOptions
{
    public CaptionMode Captions { get; init; } = CaptionMode.Both;
    public bool Distill { get; init; } = true;
    public bool MaskedPatches { get; init; } = true;
    public float MaskRatio { get; init; } = 0.75f;
    public MaskKind MaskKind { get; init; } = MaskKind.Random;
    /// <summary>iBOT++: the masked-patch loss over every position (the input still masked).</summary>
    public bool IbotAllPositions { get; init; }
    public TeacherMode Teacher { get; init; } = TeacherMode.FullEma;
    /// <summary>
    /// Sequential training (the paper's "CLIP first, then masking" ablation): this fraction of the steps trains the
    /// contrastive losses only, distillation and the masked-patch loss join afterwards. 0 trains everything jointly.
    /// </summary>
    public float Sequential { get; init; }

    public float DistillWeight { get; init; } = 1f;
    public float MaskWeight { get; init; } = 2f;

    public int HeadHidden { get; init; } = 2048;
    public int HeadBottleneck { get; init; } = 256;
    public int Prototypes { get; init; } = 4096;
    public float StudentTemp { get; init; } = 0.1f;
    public float TeacherTempStart { get; init; } = 0.04f;
    public float TeacherTempEnd { get; init; } = 0.07f;
    /// <summary>Fraction of the steps over which the teacher temperature warms up linearly.</summary>
    public float TeacherTempWarmup { get; init; } = 0.3f;
    public float CenterMomentum { get; init; } = 0.9f;
    /// <summary>Initial contrastive temperature tau (learnt as log(1/tau), unclamped).</summary>
    public float InitialTau { get; init; } = 0.07f;

    public float EmaStart { get; init; } = 0.996f;
    public float EmaEnd { get; init; } = 1f;

    public int TotalSteps { get; init; } = 1000;
    public float LearningRate { get; init; } = 1e-3f;
    public float MinLearningRate { get; init; } = 1e-6f;
    public int WarmupSteps { get; init; } = 100;
    public float WeightDecayStart { get; init; } = 0.04f;
    public float WeightDecayEnd { get; init; } = 0.2f;
    public float Beta1 { get; init; } = 0.9f;
    public float Beta2 { get; init; } = 0.999f;
    public float AdamEps { get; init; } = 1e-8f;
    /// <summary>Global gradient-norm clip; 0 disables.</summary>
    public float ClipGrad { get; init; } = 3f;
    /// <summary>The heads' prototype layers stay fixed for this many steps (DINO's first-epoch freeze).</summary>
    public int FreezeLastLayerSteps { get; init; }
    public int AccumulationSteps { get; init; } = 1;

    /// <summary>Layer-scale initial value of new models.</summary>
    public float LayerScaleInit { get; init; } = 0.1f;
    public int Seed { get; init; } = 0;

    /// <summary>Throws <see cref="Tips.Model.TipsException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        Check(MaskRatio is >= 0f and < 1f, "mask_ratio must be in [0, 1)");
        Check(Sequential is >= 0f and < 1f, "sequential must be in [0, 1)");
        Check(HeadHidden > 0 && HeadBottleneck > 0 && Prototypes > 0, "head sizes must be positive");
        Check(StudentTemp > 0 && TeacherTempStart > 0 && TeacherTempEnd > 0 && InitialTau > 0, "temperatures must be positive");
        Check(TeacherTempWarmup is >= 0f and <= 1f, "teacher_temp_warmup must be in [0, 1]");
        Check(CenterMomentum is >= 0f and <= 1f && EmaStart is >= 0f and <= 1f && EmaEnd is >= 0f and <= 1f, "momenta must be in [0, 1]");
        Check(TotalSteps > 0, "total_steps must be positive");
        Check(WarmupSteps >= 0 && FreezeLastLayerSteps >= 0, "warmup_steps and freeze_last_layer_steps must not be negative");
        Check(LearningRate >= 0 && MinLearningRate >= 0 && WeightDecayStart >= 0 && WeightDecayEnd >= 0, "lr and weight decay must not be negative");
        Check(Beta1 is >= 0f and < 1f && Beta2 is >= 0f and < 1f && AdamEps > 0, "adam betas must be in [0, 1) and eps positive");
        Check(ClipGrad >= 0, "clip_grad must not be negative");
        Check(AccumulationSteps >= 1, "accumulation_steps must be at least 1");
        Check(float.IsFinite(DistillWeight) && float.IsFinite(MaskWeight) && float.IsFinite(LayerScaleInit), "weights must be finite");
    }

    private static void Check(bool ok, string message)
    {
        if (!ok) throw new Tips.Model.TipsException($"train options: {message}");
    }
}
