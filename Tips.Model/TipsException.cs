namespace Tips.Model;

/// <summary>A user-facing failure (bad file, bad config, mismatched checkpoint): one clear line, exit code 1.</summary>
public class TipsException(string message) : Exception(message);
