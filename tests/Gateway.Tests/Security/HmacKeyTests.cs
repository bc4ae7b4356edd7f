using System.Security.Cryptography;
using System.Text;
using Gateway.BackendSignature;

namespace Gateway.Tests.Security;

public sealed class HmacKeyTests
{
    [Fact]
    public void Every_use_of_a_kept_key_gives_the_HMAC_of_that_data_alone()
    {
        var secret = "s3cr3t-of-the-app"u8.ToArray();
        var key = new HmacKey(secret);
        Span<byte> mac = stackalloc byte[32];
        for (var i = 0; i < 50; i++)
        {
            // A context reused after a reset must carry nothing of the data before.
            var data = Encoding.UTF8.GetBytes($"GET\n\n\n\n\n/items/{i}?n={new string('x', i)}");
            Assert.Equal(32, key.Compute("HmacSHA256", data, mac));
            Assert.Equal(HMACSHA256.HashData(secret, data), mac.ToArray());
            Assert.Equal(20, key.Compute("HmacSHA1", data, mac));
#pragma warning disable CA5350 // the X-Ca scheme's HmacSHA1, checked against the platform's
            Assert.Equal(HMACSHA1.HashData(secret, data), mac[..20].ToArray());
#pragma warning restore CA5350
        }
    }

    [Fact]
    public async Task More_calls_at_once_than_the_key_keeps_contexts_for_each_get_their_own_HMAC()
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        var key = new HmacKey(secret);
        var wrong = 0;
        using var start = new ManualResetEventSlim();
        var threads = Enumerable.Range(0, 4 * Environment.ProcessorCount + 8).Select(t => Task.Factory.StartNew(() =>
        {
            start.Wait();
            Span<byte> mac = stackalloc byte[32];
            for (var i = 0; i < 2_000; i++)
            {
                var data = Encoding.UTF8.GetBytes($"thread {t} call {i}");
                key.Compute("HmacSHA256", data, mac);
                if (!mac.SequenceEqual(HMACSHA256.HashData(secret, data)))
                {
                    Interlocked.Increment(ref wrong);
                }
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        start.Set();
        await Task.WhenAll(threads);
        Assert.Equal(0, wrong);
    }

    [Fact]
    public void The_key_is_copied_and_an_unknown_algorithm_is_refused()
    {
        var secret = "first"u8.ToArray();
        var key = new HmacKey(secret);
        "other"u8.CopyTo(secret);
        Span<byte> mac = stackalloc byte[32];
        key.Compute("HmacSHA256", "data"u8, mac);
        Assert.Equal(HMACSHA256.HashData("first"u8, "data"u8), mac.ToArray());
        Assert.Equal("algorithm", Assert.Throws<ArgumentException>(() => key.Compute("HmacMD5", "data"u8, new byte[32])).ParamName);
    }
}
