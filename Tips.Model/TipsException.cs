namespace Tips.Model;

/// <summary>A user-facing failure (bad file, bad config, mismatched checkpoint): one clear line, exit code 1.</summary>
/// <remarks>Messages often quote file content (a JSON token, an .npy header key): line breaks in it become spaces.</remarks>
public class TipsException(string message) : Exception(message.ReplaceLineEndings(" "));
