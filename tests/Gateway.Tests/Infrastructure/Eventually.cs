namespace Gateway.Tests.Infrastructure;

/// <summary>
/// Waits for a state the system reaches on its own (a catalog on every frontend, a counter written behind a call):
/// it asks again until the condition holds or the time is up, so that a loaded machine makes a test slower, never
/// red. The limit is generous on purpose: it only decides how long a broken build takes to fail.
/// </summary>
internal static class Eventually
{
    /// <summary>Asks <paramref name="condition"/> every 200 ms until it holds; fails naming <paramref name="what"/>
    /// after <paramref name="within"/>. A call that cannot connect yet counts as "not yet".</summary>
    public static async Task True(Func<Task<bool>> condition, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // the cluster is still settling
            }

            Assert.True(DateTime.UtcNow < deadline, $"not within {within}: {what}");
            await Task.Delay(200);
        }
    }

    /// <summary>Reads until <paramref name="done"/> holds of what was read, or for 30 s, and returns the last value
    /// read: the caller asserts on it, so that a failure shows what there was.</summary>
    public static async Task<T> Value<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var value = await read();
        while (!done(value) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
            value = await read();
        }

        return value;
    }
}
