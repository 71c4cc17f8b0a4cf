using Tips.Model.Tensors;

namespace Tips.Train.Losses;

/// <summary>
/// CLIP's symmetric softmax contrastive loss: logits = normalize(image) normalize(text)^T * exp(log(1/tau)),
/// loss = 1/2 [CE(rows, diagonal) + CE(columns, diagonal)] averaged over the batch.
/// </summary>
public static class ClipLoss
{
    /// <summary>
    /// PyTorch F.normalize's eps: plain v/|v| for any non-degenerate feature (losses.npz was computed that way;
    /// the released inference code's 1e-3 floor is not part of training).
    /// </summary>
    public const float NormalizeEps = 1e-12f;

    /// <summary>image and text (B, D); logInvTau a scalar tensor (learnable). Returns the scalar loss.</summary>
    public static Tensor Compute(Tape tape, Tensor image, Tensor text, Tensor logInvTau)
    {
        if (image.Rank != 2 || text.Rank != 2 || image.Shape[0] != text.Shape[0] || image.Shape[1] != text.Shape[1])
            throw new Tips.Model.TipsException($"clip loss: image {image} and text {text} are not both (B, D)");
        int batch = image.Shape[0];
        var z = tape.L2Normalize(image, NormalizeEps);
        var u = tape.L2Normalize(text, NormalizeEps);
        var diagonal = new float[batch * batch];
        for (int i = 0; i < batch; i++) diagonal[i * batch + i] = 1f;
        var labels = tape.Constant(diagonal, batch, batch);
        // Image->text over the rows of z u^T; text->image over the rows of u z^T (its transpose).
        var imageToText = tape.Mean(tape.SoftCrossEntropy(tape.ScaleByExp(tape.Linear(z, u, null), logInvTau), labels, 1f));
        var textToImage = tape.Mean(tape.SoftCrossEntropy(tape.ScaleByExp(tape.Linear(u, z, null), logInvTau), labels, 1f));
        return tape.Scale(tape.Add(imageToText, textToImage), 0.5f);
    }
}
