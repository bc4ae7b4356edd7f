namespace Gateway.Catalog;

/// <summary>
/// A client application that calls APIs with an X-Ca signature. Its keys live apart (<see cref="AppKey"/>), so
/// that the app itself can be exported and imported without ever carrying a secret.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.App")]
public sealed record App
{
    /// <summary>Required. Unique id: letters, digits, '-', '_' and '.'.</summary>
    [Id(0)] public string Id { get; init; } = "";

    /// <summary>Required. Human-readable name.</summary>
    [Id(1)] public string Name { get; init; } = "";

    /// <summary>Required. The user or account the app belongs to; it becomes the caller's user identity.</summary>
    [Id(2)] public string Owner { get; init; } = "";

    /// <summary>Optional. A disabled app is refused on every API (default true).</summary>
    [Id(3)] public bool Enabled { get; init; } = true;

    /// <summary>Optional. Free text for operators.</summary>
    [Id(4)] public string? Description { get; init; }
}

/// <summary>
/// One AppKey/AppSecret pair of an <see cref="App"/>. An app may hold several, so that a secret is rotated
/// without downtime. The secret is made by the catalog grain and shown once, when the key is created.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.AppKey")]
public sealed record AppKey
{
    /// <summary>The AppKey clients send in X-Ca-Key; unique across apps.</summary>
    [Id(0)] public string Key { get; init; } = "";

    /// <summary>The app the key belongs to.</summary>
    [Id(1)] public string App { get; init; } = "";

    /// <summary>The AppSecret. Travels only inside the cluster (catalog state and snapshot).</summary>
    [Id(2)] public string Secret { get; init; } = "";

    [Id(3)] public DateTimeOffset CreatedAt { get; init; }

    /// <summary>The key without its secret, as the admin API shows it.</summary>
    public AppKeyInfo ToInfo() => new() { Key = Key, CreatedAt = CreatedAt };

    /// <summary>Never print the secret, whatever logs or debugs this record.</summary>
    public override string ToString() => $"AppKey {{ Key = {Key}, App = {App} }}";
}

/// <summary>An existing AppKey/AppSecret pair an app brings from another X-Ca gateway, so that its clients keep working.</summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.AppKeyImport")]
public sealed record AppKeyImport
{
    /// <summary>Required. The AppKey (1-64 visible ASCII characters, unique).</summary>
    [Id(0)] public string AppKey { get; init; } = "";

    /// <summary>Required. The AppSecret (16-256 visible ASCII characters).</summary>
    [Id(1)] public string AppSecret { get; init; } = "";

    /// <summary>Never print the secret.</summary>
    public override string ToString() => $"AppKeyImport {{ AppKey = {AppKey} }}";
}

/// <summary>An <see cref="AppKey"/> as the admin API shows it: no secret.</summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.AppKeyInfo")]
public sealed record AppKeyInfo
{
    [Id(0)] public string Key { get; init; } = "";
    [Id(1)] public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>An app with its keys (without secrets), as the admin API shows it.</summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.AppView")]
public sealed record AppView
{
    [Id(0)] public App App { get; init; } = new();
    [Id(1)] public AppKeyInfo[] Keys { get; init; } = [];
}

/// <summary>Authorizes an app to call an API in one stage, optionally until an expiry time.</summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.AppGrant")]
public sealed record AppGrant
{
    /// <summary>Required. The app's id.</summary>
    [Id(0)] public string App { get; init; } = "";

    /// <summary>Required. The API's id.</summary>
    [Id(1)] public string Api { get; init; } = "";

    /// <summary>Required. RELEASE, PRE or TEST.</summary>
    [Id(2)] public string Stage { get; init; } = "";

    /// <summary>Optional. After this instant the grant no longer authorizes calls; none means no expiry.</summary>
    [Id(3)] public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The key grants are stored under: one grant per app, API and stage.</summary>
    public static string KeyOf(string app, string api, string stage) => $"{app}/{api}/{stage}";

    /// <summary>A method, not a property: a property would be written into exported documents.</summary>
    public string GetKey() => KeyOf(App, Api, Stage);
}

/// <summary>
/// A named secret the gateway signs forwarded requests with (X-Ca-Proxy-Signature). A backend may hold several
/// so that the key in use is rotated without downtime; <see cref="Backend.SigningKey"/> names the one in use.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.BackendSigningKey")]
public sealed record BackendSigningKey
{
    [Id(0)] public string Backend { get; init; } = "";

    /// <summary>The name sent in X-Ca-Proxy-Signature-Secret-Key.</summary>
    [Id(1)] public string Name { get; init; } = "";

    /// <summary>The secret. Travels only inside the cluster (catalog state and snapshot).</summary>
    [Id(2)] public string Secret { get; init; } = "";

    [Id(3)] public DateTimeOffset CreatedAt { get; init; }

    public static string KeyOf(string backend, string name) => $"{backend}/{name}";

    public BackendSigningKeyInfo ToInfo() => new() { Name = Name, CreatedAt = CreatedAt };

    /// <summary>Never print the secret, whatever logs or debugs this record.</summary>
    public override string ToString() => $"BackendSigningKey {{ Backend = {Backend}, Name = {Name} }}";
}

/// <summary>A <see cref="BackendSigningKey"/> as the admin API shows it: no secret.</summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.BackendSigningKeyInfo")]
public sealed record BackendSigningKeyInfo
{
    [Id(0)] public string Name { get; init; } = "";
    [Id(1)] public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>
/// The answer to creating a key: the catalog change, and on success the key with its secret, the only time
/// the secret ever leaves the cluster.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.KeyCreation")]
public sealed record KeyCreation
{
    [Id(0)] public CatalogResult Result { get; init; } = new();

    /// <summary>The AppKey or the backend key's name.</summary>
    [Id(1)] public string Name { get; init; } = "";

    [Id(2)] public string Secret { get; init; } = "";

    [Id(3)] public DateTimeOffset CreatedAt { get; init; }

    public override string ToString() => $"KeyCreation {{ Name = {Name}, Result = {Result} }}";
}

/// <summary>The signature methods of the X-Ca scheme.</summary>
public static class SignatureMethod
{
    public const string HmacSha256 = "HmacSHA256";
    public const string HmacSha1 = "HmacSHA1";

    /// <summary>The method used when a request names none.</summary>
    public const string Default = HmacSha256;

    public static IReadOnlyList<string> All { get; } = [HmacSha256, HmacSha1];
}
