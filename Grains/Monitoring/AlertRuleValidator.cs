using System.Net.Mail;
using System.Text.RegularExpressions;
using Gateway.Catalog;

namespace Gateway.Monitoring;

/// <summary>Checks an alert rule against the catalog, reporting every problem at once.</summary>
public static partial class AlertRuleValidator
{
    public const int MaxRecipients = 50;

    /// <summary>Fills what a document may leave out (null lists) and puts the stage in its canonical form.</summary>
    public static AlertRule Normalize(AlertRule rule) => rule with
    {
        Id = rule.Id?.Trim() ?? "",
        Target = string.IsNullOrWhiteSpace(rule.Target) ? null : rule.Target.Trim(),
        Stage = StageName.TryNormalize(rule.Stage, out var stage) ? stage : rule.Stage ?? "",
        Emails = [.. (rule.Emails ?? []).Select(e => e?.Trim() ?? "")],
        Phones = [.. (rule.Phones ?? []).Select(p => p?.Trim() ?? "")],
        Webhooks = [.. (rule.Webhooks ?? []).Select(w => w?.Trim() ?? "")],
    };

    public static void Validate(AlertRule rule, CatalogState state, List<CatalogError> errors)
    {
        var where = $"alertRules[{rule.Id}]";
        if (string.IsNullOrEmpty(rule.Id))
        {
            errors.Add(new(where + ".id", "Required", "an id is required"));
        }
        else if (!IdPattern().IsMatch(rule.Id))
        {
            errors.Add(new(where + ".id", "BadName", $"'{rule.Id}' must be 1-64 letters, digits, '-', '_' or '.', starting with a letter or digit"));
        }

        if (!Enum.IsDefined(rule.Scope))
        {
            errors.Add(new(where + ".scope", "BadValue", "scope must be Api, Group or All"));
        }
        else if (rule.Scope == AlertScope.Api && (rule.Target is null || !state.Apis.ContainsKey(rule.Target)))
        {
            errors.Add(new(where + ".target", "UnknownApi", $"scope Api needs the id of an existing API as target, not '{rule.Target}'"));
        }
        else if (rule.Scope == AlertScope.Group && (rule.Target is null || !state.Groups.ContainsKey(rule.Target)))
        {
            errors.Add(new(where + ".target", "UnknownGroup", $"scope Group needs the name of an existing group as target, not '{rule.Target}'"));
        }
        else if (rule.Scope == AlertScope.All && rule.Target is not null)
        {
            errors.Add(new(where + ".target", "NotAllowed", "scope All takes no target"));
        }

        if (!StageName.TryNormalize(rule.Stage, out _))
        {
            errors.Add(new(where + ".stage", "UnknownStage", $"'{rule.Stage}' is not a stage; use one of {string.Join(", ", StageName.All)}"));
        }

        if (!Enum.IsDefined(rule.Metric))
        {
            errors.Add(new(where + ".metric", "BadValue", $"metric must be one of {string.Join(", ", Enum.GetNames<AlertMetric>())}"));
        }

        if (!Enum.IsDefined(rule.Comparison))
        {
            errors.Add(new(where + ".comparison", "BadValue", $"comparison must be one of {string.Join(", ", Enum.GetNames<AlertComparison>())}"));
        }

        if (double.IsNaN(rule.Threshold) || double.IsInfinity(rule.Threshold) || rule.Threshold < 0)
        {
            errors.Add(new(where + ".threshold", "OutOfRange", "the threshold must be a finite number of 0 or more"));
        }
        else if (rule.Metric == AlertMetric.ErrorRate && rule.Threshold > 100)
        {
            errors.Add(new(where + ".threshold", "OutOfRange", "an error rate is a percentage: the threshold must be between 0 and 100"));
        }

        if (rule.WindowMinutes is < 1 or > 60)
        {
            errors.Add(new(where + ".windowMinutes", "OutOfRange", $"{rule.WindowMinutes} is not between 1 and 60"));
        }

        if (rule.MinRequestCount < 0)
        {
            errors.Add(new(where + ".minRequestCount", "OutOfRange", "the minimum request count cannot be negative"));
        }

        if (rule.QuietMinutes is < 0 or > 1440)
        {
            errors.Add(new(where + ".quietMinutes", "OutOfRange", $"{rule.QuietMinutes} is not between 0 and 1440"));
        }

        var recipients = rule.Emails.Length + rule.Phones.Length + rule.Webhooks.Length;
        if (recipients == 0)
        {
            errors.Add(new(where, "NoRecipients", "a rule needs at least one email address, phone number or webhook URL"));
        }
        else if (recipients > MaxRecipients)
        {
            errors.Add(new(where, "TooManyRecipients", $"a rule may have at most {MaxRecipients} recipients"));
        }

        for (var i = 0; i < rule.Emails.Length; i++)
        {
            if (!IsEmail(rule.Emails[i]))
            {
                errors.Add(new($"{where}.emails[{i}]", "BadEmail", $"'{rule.Emails[i]}' is not an email address"));
            }
        }

        for (var i = 0; i < rule.Phones.Length; i++)
        {
            if (!PhonePattern().IsMatch(rule.Phones[i]))
            {
                errors.Add(new($"{where}.phones[{i}]", "BadPhone", $"'{rule.Phones[i]}' is not a phone number in E.164 form (such as +8613800000000)"));
            }
        }

        for (var i = 0; i < rule.Webhooks.Length; i++)
        {
            if (!Uri.TryCreate(rule.Webhooks[i], UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add(new($"{where}.webhooks[{i}]", "BadUrl", $"'{rule.Webhooks[i]}' is not an http or https URL"));
            }
        }

        CheckDuplicates(rule.Emails, where + ".emails", StringComparer.OrdinalIgnoreCase, errors);
        CheckDuplicates(rule.Phones, where + ".phones", StringComparer.Ordinal, errors);
        CheckDuplicates(rule.Webhooks, where + ".webhooks", StringComparer.Ordinal, errors);
    }

    private static void CheckDuplicates(string[] values, string where, StringComparer comparer, List<CatalogError> errors)
    {
        foreach (var duplicate in values.GroupBy(v => v, comparer).Where(g => g.Count() > 1).Select(g => g.Key))
        {
            errors.Add(new(where, "Duplicate", $"'{duplicate}' appears more than once"));
        }
    }

    private static bool IsEmail(string value) =>
        value.Length <= 254 && MailAddress.TryCreate(value, out var address) && address.Address == value && value.Contains('.', StringComparison.Ordinal);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex PhonePattern();
}
