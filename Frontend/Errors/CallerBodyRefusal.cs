namespace Gateway.Frontend.Errors;

/// <summary>
/// What to answer when Kestrel refuses to read more of a caller's body. It throws the same exception type when the caller
/// hangs up mid-body (nobody to answer), when the body breaks HTTP's framing (a chunk size that is not hex), when it
/// arrives slower than the minimum data rate, and when it passes the body size limit; only the first is the caller
/// leaving. The other three leave a caller waiting for an answer. Taken for the first, they gave it the status that
/// stood when the gateway began to read (200, with no body), or YARP's empty 400 when YARP was copying the body.
/// </summary>
public static class CallerBodyRefusal
{
    /// <summary>
    /// Kestrel's text for a body cut short by the connection closing (its reason code is not public). Should the text
    /// change, a caller hanging up would be answered 400 A400BF and counted as a 4xx: HostileInputTests count it.
    /// </summary>
    private const string UnexpectedEnd = "Unexpected end of request content";

    /// <summary>The error to answer for <paramref name="exception"/> (or one inside it); null when the caller left or it is no refusal.</summary>
    public static GatewayError? For(Exception exception) => Find(exception) switch
    {
        { StatusCode: StatusCodes.Status413PayloadTooLarge } => GatewayError.BodyTooLarge,
        { StatusCode: StatusCodes.Status408RequestTimeout } => GatewayError.BodyTooSlow,
        { StatusCode: StatusCodes.Status400BadRequest } refused when !refused.Message.StartsWith(UnexpectedEnd, StringComparison.Ordinal) => GatewayError.MalformedBody,
        _ => null,
    };

    private static BadHttpRequestException? Find(Exception? exception)
    {
        for (var depth = 0; exception is not null && depth < 8; depth++)
        {
            switch (exception)
            {
                case BadHttpRequestException bad:
                    return bad;
                case AggregateException { InnerExceptions: var inner }:
                    foreach (var e in inner)
                    {
                        if (Find(e) is { } found)
                        {
                            return found;
                        }
                    }

                    return null;
                default:
                    exception = exception.InnerException;
                    break;
            }
        }

        return null;
    }
}
