using System.Globalization;
using System.Security.Cryptography;
using System.Text;

// backend <port>: answers every request with a small JSON body.
// lua <appKey> <secret> <path> <count> <out.lua> [nonce <threads>]: a wrk script whose requests are signed X-Ca calls,
//   valid for 15 minutes; with 'nonce', every request has its own nonce (<count> pre-signed, split across wrk threads).
switch (args.FirstOrDefault())
{
    case "backend":
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(int.Parse(args[1], CultureInfo.InvariantCulture)));
        var app = builder.Build();
        var body = Encoding.UTF8.GetBytes("{\"ok\":true,\"service\":\"bench backend\"}");
        app.Run(async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(body);
        });
        app.Run();
        return 0;

    case "lua":
        var (appKey, secret, path, count, output) = (args[1], args[2], args[3], int.Parse(args[4], CultureInfo.InvariantCulture), args[5]);
        var withNonce = args.Length > 6 && args[6] == "nonce";
        var threads = args.Length > 7 ? int.Parse(args[7], CultureInfo.InvariantCulture) : 2;
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        string Sign(string? nonce)
        {
            var text = new StringBuilder("GET\napplication/json\n\n\n\n")
                .Append("X-Ca-Key:").Append(appKey).Append('\n');
            if (nonce is not null)
            {
                text.Append("X-Ca-Nonce:").Append(nonce).Append('\n');
            }

            text.Append("X-Ca-Timestamp:").Append(timestamp).Append('\n').Append(path);
            return Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(text.ToString())));
        }

        var lua = new StringBuilder();
        lua.Append("local key, ts, path = \"").Append(appKey).Append("\", \"").Append(timestamp).Append("\", \"").Append(path).Append("\"\n");
        if (!withNonce)
        {
            lua.Append("wrk.method = \"GET\"\nwrk.path = path\n")
               .Append("wrk.headers[\"Accept\"] = \"application/json\"\n")
               .Append("wrk.headers[\"X-Ca-Key\"] = key\nwrk.headers[\"X-Ca-Timestamp\"] = ts\n")
               .Append("wrk.headers[\"X-Ca-Signature-Headers\"] = \"X-Ca-Key,X-Ca-Timestamp\"\n")
               .Append("wrk.headers[\"X-Ca-Signature\"] = \"").Append(Sign(null)).Append("\"\n");
        }
        else
        {
            // Pairs go to a data file beside the script: LuaJIT limits the constants of one chunk.
            var data = Path.ChangeExtension(Path.GetFullPath(output), ".pairs");
            using (var writer = new StreamWriter(data))
            {
                for (var i = 0; i < count; i++)
                {
                    var nonce = Guid.NewGuid().ToString();
                    writer.Write(nonce);
                    writer.Write(' ');
                    writer.WriteLine(Sign(nonce));
                }
            }

            lua.Append("local data, nthreads = \"").Append(data).Append("\", ").Append(threads).Append('\n').Append("""
                local threads = 0
                function setup(thread) thread:set("id", threads); threads = threads + 1 end
                function init(args)
                  -- Thread i takes lines i+1, i+1+n, ...: no two threads send the same nonce.
                  pairs_, step = {}, 0
                  local n = 0
                  for line in io.lines(data) do
                    if n % nthreads == id then
                      local space = line:find(" ")
                      pairs_[#pairs_ + 1] = { line:sub(1, space - 1), line:sub(space + 1) }
                    end
                    n = n + 1
                  end
                end
                function request()
                  step = step + 1
                  local p = pairs_[step] or pairs_[1] -- out of pairs: a replay, which wrk counts as non-2xx
                  return wrk.format("GET", path, {
                    ["Accept"] = "application/json", ["X-Ca-Key"] = key, ["X-Ca-Timestamp"] = ts, ["X-Ca-Nonce"] = p[1],
                    ["X-Ca-Signature-Headers"] = "X-Ca-Key,X-Ca-Nonce,X-Ca-Timestamp", ["X-Ca-Signature"] = p[2] })
                end
                """).Append('\n');
        }

        lua.Append("""
            function done(summary, latency, requests)
              io.write(string.format("non2xx=%d\n", summary.errors.status))
            end
            """).Append('\n');
        File.WriteAllText(output, lua.ToString());
        return 0;

    default:
        Console.Error.WriteLine("usage: BenchTool backend <port> | lua <appKey> <secret> <path> <count> <out.lua> [nonce <threads>]");
        return 2;
}
