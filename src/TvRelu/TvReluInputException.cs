namespace TvRelu;

/// <summary>
/// Raised when the input to the library is unusable: malformed or missing data, non-finite
/// numbers, ragged rows, an empty data set, λ ≤ 0, a measure or dual vector of the wrong size,
/// or a problem too large to enumerate exactly. The message is one line that names the problem
/// (row, column, value) so that it can be shown to a user as it is. A problem refused because its
/// estimated cost exceeds a limit is the subclass <see cref="TvReluLimitException"/>.
/// </summary>
public class TvReluInputException : ArgumentException
{
    private readonly string _description;

    /// <summary>Creates the exception with a one-line description of the problem.</summary>
    /// <param name="message">What is wrong with the input, for people.</param>
    public TvReluInputException(string message)
        : this(message, null, null)
    {
    }

    /// <summary>Creates the exception with a description and the name of the offending parameter.</summary>
    /// <param name="message">What is wrong with the input, for people.</param>
    /// <param name="paramName">The parameter that carried the bad input, if any.</param>
    public TvReluInputException(string message, string? paramName)
        : this(message, paramName, null)
    {
    }

    /// <summary>Creates the exception with a description, a parameter name and the underlying error.</summary>
    /// <param name="message">What is wrong with the input, for people.</param>
    /// <param name="paramName">The parameter that carried the bad input, if any.</param>
    /// <param name="innerException">The error raised by the core, if any.</param>
    public TvReluInputException(string message, string? paramName, Exception? innerException)
        : base(message, paramName, innerException)
    {
        _description = message;
    }

    /// <summary>
    /// The one-line description only. Unlike <see cref="ArgumentException.Message"/>, the parameter
    /// name is not appended; it stays available in <see cref="ArgumentException.ParamName"/>.
    /// </summary>
    public override string Message => _description;
}
