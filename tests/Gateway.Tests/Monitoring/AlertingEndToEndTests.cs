using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Gateway.Tests.Monitoring;

/// <summary>
/// The embedded gateway with real channels on loopback: an SMTP server (STARTTLS, authentication), an HTTP
/// receiver in the shape of Twilio's Messages API, and a webhook receiver. A failing backend must reach every
/// recipient, once, and rules that must not fire stay quiet.
/// </summary>
public sealed class AlertingEndToEndTests(ITestOutputHelper output)
{
    private const string SmtpPassword = "smtp-secret-Pa55word-91d3";
    private const string SmsToken = "sms-auth-token-5f0c2e77";
    private const string AccountSid = "AC0123456789abcdef0123456789abcdef";

    [Fact]
    public async Task A_failing_api_alerts_by_email_sms_and_webhook_once_and_quiet_rules_do_not_fire()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var smtp = SmtpTestServer.Create(user: "alerts", password: SmtpPassword, startTls: true);
        await smtp.StartAsync();
        await using var sms = await HttpReceiver.StartAsync();
        sms.Status = 201;
        sms.Body = """{"sid":"SM1","status":"queued"}""";
        await using var webhook = await HttpReceiver.StartAsync();
        var logs = new LogCapture();
        await using var gateway = await EmbeddedGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Orleans"] = "Warning",
            ["Logging:LogLevel:Microsoft"] = "Warning",
            ["Alerting:Smtp:Host"] = "127.0.0.1",
            ["Alerting:Smtp:Port"] = smtp.Port.ToString(),
            ["Alerting:Smtp:Security"] = "StartTls",
            ["Alerting:Smtp:Username"] = "alerts",
            ["Alerting:Smtp:Password"] = SmtpPassword,
            ["Alerting:Smtp:From"] = "gateway@example.com",
            ["Alerting:Smtp:CertificateThumbprint"] = smtp.Thumbprint,
            ["Alerting:Sms:BaseUrl"] = sms.Address.ToString(),
            ["Alerting:Sms:AccountSid"] = AccountSid,
            ["Alerting:Sms:AuthToken"] = SmsToken,
            ["Alerting:Sms:From"] = "+15005550006",
        }, configure: b => b.Logging.AddProvider(logs));

        await gateway.ImportAsync($$"""
            groups: [{ name: shop }]
            backends: [{ name: orders, addresses: ["{{backend.Address}}"] }]
            apis:
              - { id: failing, group: shop, name: Failing, methods: [GET], path: "/fail", backend: orders, backendPath: "/status/500" }
            deployments: [{ api: failing, stage: RELEASE }]
            alertRules:
              - id: errors
                name: Orders failing
                scope: Api
                target: failing
                metric: ErrorCount
                comparison: GreaterOrEqual
                threshold: 5
                windowMinutes: 1
                minRequestCount: 5
                emails: [ops@example.com, oncall@example.com]
                phones: ["+8613800000000"]
                webhooks: ["{{webhook.Address}}hooks/alerts?token=hook-secret-1"]
              - { id: too-little-traffic, scope: Group, target: shop, metric: ErrorCount, threshold: 1, windowMinutes: 1, minRequestCount: 1000, emails: [quiet1@example.com] }
              - { id: below-threshold, scope: All, metric: ServerErrorCount, threshold: 1000, windowMinutes: 5, emails: [quiet2@example.com] }
            """);
        var revision = (await gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/catalog/revision")).GetProperty("revision").GetInt64();
        await gateway.WaitForRevisionAsync(revision);

        var firstFailure = DateTime.UtcNow;
        for (var i = 0; i < 8; i++)
        {
            using var response = await gateway.Gateway.GetAsync("/fail");
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        }

        var mail = await smtp.WaitForMessageAsync(TimeSpan.FromSeconds(60));
        var elapsed = mail.ReceivedAt - firstFailure;
        output.WriteLine($"first failing request -> mail accepted by the SMTP server: {elapsed.TotalMilliseconds:0} ms");
        Assert.True(elapsed < TimeSpan.FromSeconds(60), $"took {elapsed}");
        Assert.True(mail.Secure, "STARTTLS was used");
        Assert.Equal("alerts", mail.User);
        Assert.Contains("[ALERT] Orders failing", mail.Message.Subject);
        Assert.Contains("API:        failing", mail.Message.TextBody);

        // The SMS request as Twilio's Messages API takes it: form POST, basic auth of SID and token.
        var smsRequest = await sms.WaitForAsync(r => r.Method == "POST", TimeSpan.FromSeconds(30), "SMS provider request");
        Assert.Equal($"/2010-04-01/Accounts/{AccountSid}/Messages.json", smsRequest.Path);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AccountSid}:{SmsToken}")), smsRequest.Headers["Authorization"]);
        Assert.StartsWith("application/x-www-form-urlencoded", smsRequest.ContentType);
        var form = System.Web.HttpUtility.ParseQueryString(smsRequest.Text);
        Assert.Equal("+8613800000000", form["To"]);
        Assert.Equal("+15005550006", form["From"]);
        Assert.Contains("ALERT Orders failing", form["Body"]);

        var hook = await webhook.WaitForAsync(r => r.Method == "POST", TimeSpan.FromSeconds(30), "webhook");
        Assert.Equal("/hooks/alerts", hook.Path);
        var payload = JsonDocument.Parse(hook.Body).RootElement;
        Assert.Equal("fired", payload.GetProperty("kind").GetString());
        Assert.Equal("failing", payload.GetProperty("api").GetString());
        Assert.True(payload.GetProperty("value").GetDouble() >= 5);

        // Both addresses, once each, while more failures keep the alert active (one alert, not one per batch).
        await smtp.WaitForMessageAsync(TimeSpan.FromSeconds(30), m => m.To.Contains("oncall@example.com"));
        for (var i = 0; i < 5; i++)
        {
            using var response = await gateway.Gateway.GetAsync("/fail");
        }

        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(2, smtp.Messages.Count);
        Assert.Equal(["oncall@example.com", "ops@example.com"], smtp.Messages.SelectMany(m => m.To).Order().ToArray());
        Assert.Single(sms.Requests);
        Assert.Single(webhook.Requests);

        // History: one alert, every recipient delivered.
        var alerts = await gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/alerts");
        var alert = Assert.Single(alerts.EnumerateArray());
        Assert.Equal("errors", alert.GetProperty("ruleId").GetString());
        var deliveries = alert.GetProperty("deliveries").EnumerateArray().ToList();
        Assert.Equal(4, deliveries.Count);
        Assert.All(deliveries, d => Assert.Equal("Delivered", d.GetProperty("status").GetString()));
        using (var quiet = await gateway.Admin.GetAsync("/v1/alert-rules/too-little-traffic/alerts"))
        {
            Assert.Equal("[]", (await quiet.Content.ReadAsStringAsync()).Trim());
        }

        // The live series counts what both batches of failures added up to.
        var series = await gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/monitoring/apis/failing?minutes=5");
        Assert.Equal(13, series.GetProperty("totals").GetProperty("requests").GetInt64());
        Assert.Equal(13, series.GetProperty("totals").GetProperty("status5xx").GetInt64());
        Assert.Equal(5, series.GetProperty("resolutionSeconds").GetInt32());
        var anonymous = await gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/monitoring/apps/-?minutes=1");
        Assert.Equal(13, anonymous.GetProperty("totals").GetProperty("requests").GetInt64());

        // Credentials never reach the logs.
        var text = logs.AllText;
        Assert.Contains("fired for API failing", text);
        Assert.DoesNotContain(SmtpPassword, text);
        Assert.DoesNotContain(SmsToken, text);
        Assert.DoesNotContain("hook-secret-1", text);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AccountSid}:{SmsToken}")), text);
    }

    [Fact]
    public async Task An_alert_raised_while_the_mail_server_is_down_is_delivered_once_after_it_returns()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var smtp = SmtpTestServer.Create();
        await using var gateway = await EmbeddedGateway.StartAsync(new Dictionary<string, string?>(smtp.GatewaySettings())
        {
            // Retries every 0.2 s doubling up to 1 s, so that the outage needs seconds of wall time, not minutes.
            ["Alerting:Retry:FirstRetry"] = "00:00:00.200",
            ["Alerting:Retry:MaxRetry"] = "00:00:01",
        });
        await gateway.ImportAsync($$"""
            groups: [{ name: shop }]
            backends: [{ name: orders, addresses: ["{{backend.Address}}"] }]
            apis:
              - { id: failing, group: shop, name: Failing, methods: [GET], path: "/fail", backend: orders, backendPath: "/status/503" }
            deployments: [{ api: failing, stage: RELEASE }]
            alertRules:
              - { id: outage, scope: Api, target: failing, metric: ServerErrorCount, threshold: 3, windowMinutes: 1, emails: [ops@example.com] }
            """);
        var revision = (await gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/catalog/revision")).GetProperty("revision").GetInt64();
        await gateway.WaitForRevisionAsync(revision);

        // The mail server is down (its port closed) when the alert fires.
        for (var i = 0; i < 5; i++)
        {
            using var response = await gateway.Gateway.GetAsync("/fail");
        }

        var pending = await Eventually(gateway, d => d.GetProperty("attempts").GetInt32() >= 3 && d.GetProperty("status").GetString() == "Pending",
            TimeSpan.FromSeconds(30), "several failed attempts while the server is down");
        Assert.Contains("SMTP 127.0.0.1", pending.GetProperty("lastError").GetString());
        Assert.Empty(smtp.Messages);

        await smtp.StartAsync();
        var mail = await smtp.WaitForMessageAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("[ALERT] outage", mail.Message.Subject);
        await Eventually(gateway, d => d.GetProperty("status").GetString() == "Delivered", TimeSpan.FromSeconds(10), "delivered in history");

        // Once: no copy follows, however long we wait for the retry loop.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Single(smtp.Messages);
    }

    [Fact]
    public async Task Backend_timeouts_are_counted_by_error_code_and_fire_a_timeout_rule()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var smtp = SmtpTestServer.Create();
        await smtp.StartAsync();
        await using var gateway = await EmbeddedGateway.StartAsync(smtp.GatewaySettings());
        await gateway.ImportAsync($$"""
            groups: [{ name: shop }]
            backends: [{ name: orders, addresses: ["{{backend.Address}}"] }]
            apis:
              - { id: slow, group: shop, name: Slow, methods: [GET], path: "/slow", backend: orders, backendPath: "/slow/3000", timeoutMs: 200 }
            deployments: [{ api: slow, stage: RELEASE }]
            alertRules:
              - { id: timeouts, scope: Api, target: slow, metric: TimeoutCount, threshold: 2, windowMinutes: 1, emails: [ops@example.com] }
            """);
        var revision = (await gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/catalog/revision")).GetProperty("revision").GetInt64();
        await gateway.WaitForRevisionAsync(revision);

        for (var i = 0; i < 2; i++)
        {
            using var response = await gateway.Gateway.GetAsync("/slow");
            Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
            Assert.Equal("D504TO", response.Headers.GetValues("X-Ca-Error-Code").Single());
        }

        var mail = await smtp.WaitForMessageAsync(TimeSpan.FromSeconds(60));
        Assert.Contains("backend timeouts", mail.Message.Subject);
        var series = await gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/monitoring/apis/slow?minutes=1");
        var totals = series.GetProperty("totals");
        Assert.Equal(2, totals.GetProperty("timeouts").GetInt64());
        Assert.Equal(2, totals.GetProperty("status5xx").GetInt64());
        var code = Assert.Single(totals.GetProperty("errorCodes").EnumerateArray());
        Assert.Equal("D504TO", code.GetProperty("code").GetString());
        Assert.Equal(2, code.GetProperty("count").GetInt64());
        Assert.True(totals.GetProperty("p99LatencyMs").GetDouble() >= 200);
    }

    [Fact]
    public async Task Invalid_alert_rules_are_refused_with_every_problem_listed()
    {
        await using var gateway = await EmbeddedGateway.StartAsync();
        using var response = await gateway.Admin.PutAsJsonAsync("/v1/alert-rules/bad", new
        {
            scope = "Api",
            target = "no-such-api",
            stage = "PROD",
            metric = "ErrorRate",
            threshold = 150,
            windowMinutes = 61,
            minRequestCount = -1,
            quietMinutes = -5,
            emails = new[] { "not-an-address" },
            phones = new[] { "12345" },
            webhooks = new[] { "ftp://example.com/hook" },
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var codes = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("path").GetString() + ":" + e.GetProperty("code").GetString()).ToList();
        Assert.Equal(
        [
            "alertRules[bad].target:UnknownApi", "alertRules[bad].stage:UnknownStage", "alertRules[bad].threshold:OutOfRange",
            "alertRules[bad].windowMinutes:OutOfRange", "alertRules[bad].minRequestCount:OutOfRange", "alertRules[bad].quietMinutes:OutOfRange",
            "alertRules[bad].emails[0]:BadEmail", "alertRules[bad].phones[0]:BadPhone", "alertRules[bad].webhooks[0]:BadUrl",
        ], codes);

        using var noRecipients = await gateway.Admin.PutAsJsonAsync("/v1/alert-rules/empty", new { scope = "All", metric = "RequestCount", threshold = 1 });
        Assert.Contains("NoRecipients", await noRecipients.Content.ReadAsStringAsync());
        using var unknownField = await gateway.Admin.PutAsJsonAsync("/v1/alert-rules/typo", new { scope = "All", treshold = 1, emails = new[] { "a@example.com" } });
        Assert.Equal(HttpStatusCode.BadRequest, unknownField.StatusCode);
        using var badMinutes = await gateway.Admin.GetAsync("/v1/monitoring/apis/x?minutes=61&stage=PROD");
        Assert.Equal(HttpStatusCode.BadRequest, badMinutes.StatusCode);
        Assert.Contains("UnknownStage", await badMinutes.Content.ReadAsStringAsync());

        using var good = await gateway.Admin.PutAsJsonAsync("/v1/alert-rules/all-errors", new { scope = "All", metric = "ErrorRate", threshold = 50, emails = new[] { "a@example.com" } });
        Assert.True(good.IsSuccessStatusCode, await good.Content.ReadAsStringAsync());
        var export = await gateway.Admin.GetStringAsync("/v1/catalog/export?format=yaml");
        Assert.Contains("all-errors", export);
        using var delete = await gateway.Admin.DeleteAsync("/v1/alert-rules/all-errors");
        Assert.True(delete.IsSuccessStatusCode);
        using var missing = await gateway.Admin.GetAsync("/v1/alert-rules/all-errors/alerts");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private static async Task<JsonElement> Eventually(EmbeddedGateway gateway, Func<JsonElement, bool> delivery, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var alerts = await gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/alerts");
            foreach (var alert in alerts.EnumerateArray())
            {
                foreach (var d in alert.GetProperty("deliveries").EnumerateArray())
                {
                    if (delivery(d))
                    {
                        return d;
                    }
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"not within {within}: {what}; history: {alerts}");
            await Task.Delay(100);
        }
    }
}
