using System.Text;
using Gateway.Catalog;
using Gateway.Parameters;
using Json.Schema;

namespace Gateway.Frontend.Parameters;

/// <summary>
/// One published API version's parameter handling, compiled once when the catalog snapshot is applied:
/// patterns, schemas, the backend path template and the mock's bytes are ready before the first call.
/// </summary>
public sealed class ParameterPlan
{
    private ParameterPlan(PublishedApi api)
    {
        Api = api;
        Definition = api.Definition;
    }

    public PublishedApi Api { get; }

    public ApiDefinition Definition { get; }

    public bool Mapping => Definition.RequestMode == RequestMode.Mapping;

    /// <summary>The checked parameters other than the body, in definition order.</summary>
    public ParameterRules[] Parameters { get; private init; } = [];

    /// <summary>The BODY parameter and its schema, when there is one.</summary>
    public ApiParameter? BodyParameter { get; private init; }

    public JsonSchema? BodySchema { get; private init; }

    public bool ReadsForm { get; private init; }

    /// <summary>Some parameter is read from the query.</summary>
    public bool ReadsQuery { get; private init; }

    /// <summary>
    /// For each of <see cref="Parameters"/> that is read from the path, its segment counted from the end of the path
    /// (0: the last), where it stands in the caller's path whatever the group's base path; -1 for the others.
    /// </summary>
    public int[] PathSegmentFromEnd { get; private init; } = [];

    /// <summary>The backend path template (MAPPING mode).</summary>
    public PathTemplate? BackendPath { get; private init; }

    public MockPlan? Mock { get; private init; }

    /// <summary>Nothing to check or add: the validation step and the transform leave such calls alone.</summary>
    public bool IsTrivial { get; private init; }

    /// <summary>Set when the definition could not be compiled (the catalog validator should have refused it).</summary>
    public string? Broken { get; private init; }

    public bool MustReadBody => ReadsForm || BodyParameter is not null;

    /// <summary>MAPPING mode sends a form body built from values (parameters, constants or system parameters sent to FORM).</summary>
    public bool SendsForm { get; private init; }

    public static ParameterPlan Build(PublishedApi api, TimeSpan regexTimeout)
    {
        var d = api.Definition;
        try
        {
            var problems = new List<string>();
            var parameters = d.Parameters.Where(p => p.Location != ParameterLocation.Body)
                .Select(p => ParameterRules.Compile(p, regexTimeout, problems))
                .ToArray();
            var body = d.Parameters.FirstOrDefault(p => p.Location == ParameterLocation.Body);
            var schema = body?.Schema is { } text ? Gateway.Parameters.BodySchema.Parse(text) : null;
            PathTemplate? backendPath = null;
            if (d.RequestMode == RequestMode.Mapping && !PathTemplate.TryParse(d.BackendPath ?? d.Path, out backendPath, out var pathProblems))
            {
                problems.AddRange(pathProblems);
            }

            if (problems.Count > 0)
            {
                return new ParameterPlan(api) { Broken = string.Join("; ", problems) };
            }

            var path = PathTemplate.TryParse(d.Path, out var template, out _) ? [.. template.Segments] : new List<PathTemplate.Segment>();
            var fromEnd = parameters.Select(p => p.Parameter.Location == ParameterLocation.Path
                    && path.FindIndex(s => s.IsParameter && string.Equals(s.Value, p.Parameter.Name, StringComparison.OrdinalIgnoreCase)) is >= 0 and var at
                ? path.Count - 1 - at
                : -1).ToArray();
            var mock = d.Mock is { } m && (m.Stages.Length == 0 || m.Stages.Contains(api.Stage, StringComparer.OrdinalIgnoreCase))
                ? new MockPlan(m.Status, [.. m.Headers.Select(h => (h.Name, h.Value))], Encoding.UTF8.GetBytes(m.Body))
                : null;
            return new ParameterPlan(api)
            {
                Parameters = parameters,
                BodyParameter = body,
                BodySchema = schema,
                ReadsForm = parameters.Any(p => p.Parameter.Location == ParameterLocation.Form),
                ReadsQuery = parameters.Any(p => p.Parameter.Location == ParameterLocation.Query),
                PathSegmentFromEnd = fromEnd,
                BackendPath = backendPath,
                SendsForm = d.RequestMode == RequestMode.Mapping
                    && (d.Parameters.Any(p => (p.BackendLocation ?? p.Location) == ParameterLocation.Form)
                        || d.Constants.Any(c => c.Location == ParameterLocation.Form)
                        || d.SystemParameters.Any(s => s.Location == ParameterLocation.Form)),
                Mock = mock,
                IsTrivial = d.RequestMode == RequestMode.Passthrough && d.Parameters.Length == 0 && d.Constants.Length == 0
                    && d.SystemParameters.Length == 0 && d.MaxBodyBytes is null && d.ContentTypes.Length == 0,
            };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new ParameterPlan(api) { Broken = e.Message };
        }
    }
}

/// <summary>A mock answer with its body already encoded.</summary>
public sealed record MockPlan(int Status, (string Name, string Value)[] Headers, byte[] Body);
