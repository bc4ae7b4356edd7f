using k8s.Models;

namespace Gateway.Tests.Helm;

/// <summary>The objects of one render, with lookups by kind and name.</summary>
public sealed class RenderedChart(List<KubernetesObject> objects)
{
    public IReadOnlyList<KubernetesObject> Objects => objects;

    public IEnumerable<T> All<T>() => objects.Select(o => o.Model).OfType<T>();

    public T Get<T>(string name) where T : class
    {
        var found = objects.Where(o => o.Model is T && o.Name == name).ToList();
        Assert.True(found.Count == 1, $"expected one {typeof(T).Name} named {name}, found {found.Count}; rendered: "
            + string.Join(", ", objects.Select(o => $"{o.Kind}/{o.Name}")));
        return (T)found[0].Model;
    }

    public T? Find<T>(string name) where T : class =>
        objects.Where(o => o.Model is T && o.Name == name).Select(o => (T)o.Model).SingleOrDefault();

    public V1Deployment Silo => Get<V1Deployment>(HelmRunner.Fullname + "-silo");

    public V1Deployment Frontend => Get<V1Deployment>(HelmRunner.Fullname + "-frontend");

    public V1Container SiloContainer => Silo.Spec.Template.Spec.Containers.Single();

    public V1Container FrontendContainer => Frontend.Spec.Template.Spec.Containers.Single();

    public V1ConfigMap Settings => Get<V1ConfigMap>(HelmRunner.Fullname + "-settings");

    public V1Service FrontendService => Get<V1Service>(HelmRunner.Fullname + "-frontend");
}
