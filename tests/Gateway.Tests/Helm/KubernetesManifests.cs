using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gateway.Tests.Helm;

/// <summary>One rendered Kubernetes object: its JSON form and its strictly deserialized typed model.</summary>
public sealed record KubernetesObject(string ApiVersion, string Kind, string Name, JsonObject Json, object Model)
{
    public T As<T>() => (T)Model;
}

/// <summary>
/// Parses rendered manifests and validates each object against the Kubernetes schema as the official C# client models
/// it (KubernetesClient): the YAML becomes JSON with YAML 1.2 core-schema scalars, then is deserialized into the typed
/// model of its apiVersion and kind with unknown fields refused at every depth, and with the client's own converters
/// (IntOrString, Quantity). A misspelt field, a wrong type or an unknown kind fails.
/// </summary>
public static class KubernetesManifests
{
    private static readonly Dictionary<(string ApiVersion, string Kind), Type> Models = BuildModelMap();

    private static readonly JsonSerializerOptions Strict = BuildStrictOptions();

    public static List<KubernetesObject> Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var objects = new List<KubernetesObject>();
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is YamlScalarNode { Value: null or "" })
            {
                continue;
            }

            var json = ToJson(document.RootNode) as JsonObject
                ?? throw new InvalidDataException("a manifest document is not a mapping");
            objects.Add(Validate(json));
        }

        return objects;
    }

    /// <summary>Validates one object; throws <see cref="InvalidDataException"/> saying what is wrong.</summary>
    public static KubernetesObject Validate(JsonObject json)
    {
        var apiVersion = json["apiVersion"]?.GetValue<string>() ?? throw new InvalidDataException("an object without apiVersion");
        var kind = json["kind"]?.GetValue<string>() ?? throw new InvalidDataException("an object without kind");
        var name = json["metadata"]?["name"]?.GetValue<string>() ?? throw new InvalidDataException($"a {kind} without metadata.name");
        if (!Models.TryGetValue((apiVersion, kind), out var type))
        {
            throw new InvalidDataException($"{apiVersion} {kind} {name}: no such kind in the Kubernetes schema");
        }

        try
        {
            var model = json.Deserialize(type, Strict) ?? throw new InvalidDataException($"{kind} {name}: empty");
            return new KubernetesObject(apiVersion, kind, name, json, model);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{apiVersion} {kind} {name} does not match the schema: {e.Message}", e);
        }
    }

    /// <summary>YAML to JSON: quoted scalars are strings; plain ones follow the YAML 1.2 core schema (null, bool, number).</summary>
    public static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c =>
            KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ToJson(c.Value)))),
        YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(ToJson)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new InvalidDataException("unsupported YAML node " + node.NodeType),
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is not ScalarStyle.Plain)
        {
            return JsonValue.Create(value);
        }

        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (System.Text.RegularExpressions.Regex.IsMatch(value, @"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$"))
        {
            return JsonValue.Create(double.Parse(value, CultureInfo.InvariantCulture));
        }

        return JsonValue.Create(value);
    }

    private static Dictionary<(string, string), Type> BuildModelMap()
    {
        var map = new Dictionary<(string, string), Type>();
        foreach (var type in typeof(V1Pod).Assembly.GetTypes())
        {
            if (type.GetCustomAttribute<KubernetesEntityAttribute>() is { Kind: { Length: > 0 } kind } entity)
            {
                var apiVersion = string.IsNullOrEmpty(entity.Group) ? entity.ApiVersion : $"{entity.Group}/{entity.ApiVersion}";
                map.TryAdd((apiVersion, kind), type);
            }
        }

        // The Prometheus operator's CRD is not in the client: a strict model of the fields the chart may write.
        map[("monitoring.coreos.com/v1", "ServiceMonitor")] = typeof(ServiceMonitor);
        return map;
    }

    private static JsonSerializerOptions BuildStrictOptions()
    {
        JsonSerializerOptions? copy = null;
        // The client's options carry its converters; copy them rather than change the client's shared instance.
        KubernetesJson.AddJsonOptions(o => copy = new JsonSerializerOptions(o));
        copy!.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        copy.PropertyNameCaseInsensitive = false;
        return copy;
    }
}

/// <summary>
/// monitoring.coreos.com/v1 ServiceMonitor, the part of the Prometheus operator's CRD schema that the chart uses
/// (field names and types as in that CRD); anything else the chart wrote would be refused as unknown.
/// </summary>
public sealed class ServiceMonitor
{
    [JsonPropertyName("apiVersion")] public required string ApiVersion { get; init; }
    [JsonPropertyName("kind")] public required string Kind { get; init; }
    [JsonPropertyName("metadata")] public required V1ObjectMeta Metadata { get; init; }
    [JsonPropertyName("spec")] public required ServiceMonitorSpec Spec { get; init; }
}

public sealed class ServiceMonitorSpec
{
    [JsonPropertyName("selector")] public required V1LabelSelector Selector { get; init; }
    [JsonPropertyName("namespaceSelector")] public ServiceMonitorNamespaceSelector? NamespaceSelector { get; init; }
    [JsonPropertyName("jobLabel")] public string? JobLabel { get; init; }
    [JsonPropertyName("endpoints")] public required ServiceMonitorEndpoint[] Endpoints { get; init; }
}

public sealed class ServiceMonitorNamespaceSelector
{
    [JsonPropertyName("any")] public bool? Any { get; init; }
    [JsonPropertyName("matchNames")] public string[]? MatchNames { get; init; }
}

public sealed class ServiceMonitorEndpoint
{
    [JsonPropertyName("port")] public string? Port { get; init; }
    [JsonPropertyName("targetPort")] public IntOrString? TargetPort { get; init; }
    [JsonPropertyName("path")] public string? Path { get; init; }
    [JsonPropertyName("scheme")] public string? Scheme { get; init; }
    [JsonPropertyName("interval")] public string? Interval { get; init; }
    [JsonPropertyName("scrapeTimeout")] public string? ScrapeTimeout { get; init; }
}
