using System.Globalization;
using System.Text;
using Gateway.Metering;

namespace Gateway.Silo.Admin;

/// <summary>Usage days as CSV (RFC 4180): one header line, then one line per day, API and stage.</summary>
internal static class UsageCsv
{
    public const string Header = "day,app,api,stage,total,billable,errors,throttled,quotaRefused,paidByPackage,lateRefused";

    public static string Write(IEnumerable<UsageDay> days)
    {
        var text = new StringBuilder(Header).Append("\r\n");
        foreach (var d in days)
        {
            text.Append(CultureInfo.InvariantCulture, $"{d.Day:yyyy-MM-dd},{Field(d.App)},{Field(d.Api)},{Field(d.Stage)},{d.Total},{d.Billable},{d.Errors},{d.Throttled},{d.QuotaRefused},{d.PaidByPackage},{d.LateRefused}\r\n");
        }

        return text.ToString();
    }

    /// <summary>Quotes a field that holds a comma, quote or line break, and one a spreadsheet would read as a formula.</summary>
    private static string Field(string value) =>
        value.IndexOfAny([',', '"', '\r', '\n']) >= 0 || value.StartsWith('=') || value.StartsWith('+') || value.StartsWith('-') || value.StartsWith('@')
            ? "\"" + (value.StartsWith('=') || value.StartsWith('+') || value.StartsWith('-') || value.StartsWith('@') ? "'" : "") + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : value;
}
