using System.Text;

namespace ClusterBench;

/// <summary>
/// The benchmark's catalog: an unthrottled /ping; two warm-up APIs; one API and policy per throttling scenario
/// (fresh counters each); one API and alert rule per alert sample (a fresh alert each).
/// </summary>
internal static class Catalog
{
    public static string Build(Uri backend, IEnumerable<AccuracyScenario> scenarios, int alerts)
    {
        var policies = new List<(string Name, long Limit, string Unit)> { ("warm-lease", 1000, "Second"), ("warm-request", 20, "Second") };
        policies.AddRange(scenarios.Select(s => (s.Name, s.Limit, s.Unit)));

        var yaml = new StringBuilder();
        yaml.AppendLine("groups: [{ name: bench }]");
        yaml.AppendLine($"backends: [{{ name: recorder, addresses: [\"{backend.GetLeftPart(UriPartial.Authority)}\"] }}]");
        yaml.AppendLine("apis:");
        yaml.AppendLine("  - { id: ping, group: bench, name: ping, methods: [GET], path: /ping, backend: recorder, backendPath: /t/ping }");
        foreach (var (name, _, _) in policies)
        {
            yaml.AppendLine($"  - {{ id: t-{name}, group: bench, name: t-{name}, methods: [GET], path: /t/{name}, backend: recorder, backendPath: /t/{name} }}");
        }

        for (var i = 0; i < alerts; i++)
        {
            yaml.AppendLine($"  - {{ id: a-{i}, group: bench, name: a-{i}, methods: [GET], path: /a/{i}, backend: recorder, backendPath: /a/{i} }}");
        }

        yaml.AppendLine("throttlePolicies:");
        foreach (var (name, limit, unit) in policies)
        {
            yaml.AppendLine($"  - {{ name: {name}, unit: {unit}, apiLimit: {limit} }}");
        }

        yaml.AppendLine("throttleBindings:");
        foreach (var (name, _, _) in policies)
        {
            yaml.AppendLine($"  - {{ api: t-{name}, stage: RELEASE, policy: {name} }}");
        }

        yaml.AppendLine("deployments:");
        yaml.AppendLine("  - { api: ping, stage: RELEASE }");
        foreach (var (name, _, _) in policies)
        {
            yaml.AppendLine($"  - {{ api: t-{name}, stage: RELEASE }}");
        }

        for (var i = 0; i < alerts; i++)
        {
            yaml.AppendLine($"  - {{ api: a-{i}, stage: RELEASE }}");
        }

        if (alerts > 0)
        {
            yaml.AppendLine("alertRules:");
            for (var i = 0; i < alerts; i++)
            {
                yaml.AppendLine($"  - {{ id: rule-{i}, name: Bench alert {i}, scope: Api, target: a-{i}, metric: ServerErrorCount, threshold: {AlertLatency.Threshold}, windowMinutes: 1, emails: [{AlertLatency.Recipient(i)}] }}");
            }
        }

        return yaml.ToString();
    }
}
