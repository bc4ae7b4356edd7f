using Gateway.Frontend.Policies.Caching;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

namespace Gateway.Tests.Policies.Caching;

/// <summary>The frontend's cache stays within its size limit by dropping the least recently used answers.</summary>
public sealed class ResponseCacheStoreTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Storing_past_the_limit_drops_the_least_recently_used_answers_and_never_exceeds_it()
    {
        var store = NewStore(maxBytes: 10_000);
        for (var i = 0; i < 5; i++)
        {
            Assert.True(store.Set(Answer($"k{i}", 1500)));
        }

        // k0 read last of the first ones: k1 is now the least recently used.
        Assert.True(store.TryGet("k0", Now, out _));
        Assert.True(store.Set(Answer("k5", 1500)));
        Assert.True(store.Set(Answer("k6", 1500)));
        Assert.True(store.Bytes <= store.MaxBytes, $"{store.Bytes} bytes held, limit {store.MaxBytes}");
        Assert.True(store.TryGet("k0", Now, out _));
        Assert.False(store.TryGet("k1", Now, out _));
        Assert.True(store.TryGet("k6", Now, out _));
        Assert.True(store.Evictions > 0);

        // An answer larger than the whole limit is not kept, and drops nothing.
        var count = store.Count;
        Assert.False(store.Set(Answer("huge", 20_000)));
        Assert.Equal(count, store.Count);
    }

    [Fact]
    public void An_expired_answer_is_not_given_and_frees_its_bytes()
    {
        var store = NewStore(maxBytes: 10_000);
        store.Set(Answer("k", 100));
        Assert.False(store.TryGet("k", Now.AddMinutes(2), out _));
        Assert.Equal(0, store.Bytes);
        Assert.Equal(0, store.Count);
    }

    private static ResponseCacheStore NewStore(long maxBytes)
    {
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        return new ResponseCacheStore(new ResponseCacheSettings { MaxBytes = maxBytes }, services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
    }

    private static CachedAnswer Answer(string key, int bytes) =>
        new(key, 200, [new("Content-Type", new StringValues("application/json"))], new byte[bytes], Now, Now.AddMinutes(1));
}
