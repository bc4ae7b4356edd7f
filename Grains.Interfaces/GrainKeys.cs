namespace Gateway;

/// <summary>Every grain key is built here, so that the silo, frontends and tests agree on them.</summary>
public static class GrainKeys
{
    /// <summary>The one catalog of a deployment.</summary>
    public const string Catalog = "default";

    /// <summary>The key used for anonymous calls in app windows.</summary>
    public const string NoApp = "-";

    /// <summary>The usage and alert window of an API in a stage.</summary>
    public static string ApiWindow(string apiId, string stage) => $"api/{apiId}/{stage}";

    /// <summary>The usage window of an app (or of anonymous calls, <see cref="NoApp"/>) in a stage.</summary>
    public static string AppWindow(string? appId, string stage) => $"app/{(string.IsNullOrEmpty(appId) ? NoApp : appId)}/{stage}";

    /// <summary>Splits a window key into kind ('api' or 'app'), id and stage.</summary>
    public static (string Kind, string Id, string Stage) ParseWindow(string key)
    {
        var first = key.IndexOf('/');
        var last = key.LastIndexOf('/');
        return first < 0 || last <= first ? ("", key, "") : (key[..first], key[(first + 1)..last], key[(last + 1)..]);
    }

    /// <summary>The notification outbox of an alert rule.</summary>
    public static string Outbox(string ruleId) => ruleId;
}
