namespace Gateway.Tests.Infrastructure;

/// <summary>The secret key ring every test process of a run shares (cluster mode refuses to start without one).</summary>
public static class TestSecretKeys
{
    public const string Id = "test-1";

    /// <summary>Base64 of 32 random bytes, made once per test run.</summary>
    public static readonly string Key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>A further key, for rotations.</summary>
    public static string NewKey() => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
}
