using Microsoft.Extensions.Primitives;

namespace Gateway.Frontend.Parameters;

/// <summary>
/// What parameter validation found in a call, kept as an HttpContext feature for the forwarding transform: the
/// values of each parameter (defaults filled in), the body as read, and when the call arrived.
/// </summary>
public sealed class ParameterValues(ParameterPlan plan, StringValues[] values, byte[]? body, DateTimeOffset receivedAt)
{
    public ParameterPlan Plan { get; } = plan;

    /// <summary>Values by the index of <see cref="ParameterPlan.Parameters"/>; empty when absent without a default.</summary>
    public StringValues[] Values { get; } = values;

    /// <summary>The body, when it was read to check FORM or BODY parameters.</summary>
    public byte[]? Body { get; } = body;

    public DateTimeOffset ReceivedAt { get; } = receivedAt;
}
