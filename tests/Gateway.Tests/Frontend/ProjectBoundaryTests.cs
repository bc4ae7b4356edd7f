using System.Reflection;
using System.Reflection.Emit;
using Gateway.Frontend;
using Gateway.Frontend.Embedded;

namespace Gateway.Tests.Frontend;

/// <summary>
/// The frontend references the Silo only for its embedded default: no type outside Frontend/Embedded may use a type
/// of the Silo or Grains assemblies, in a signature or in a method body. (Grains.Interfaces and the shared hosting
/// project are what the frontend shares with the silo, and are allowed.)
/// </summary>
public sealed class ProjectBoundaryTests
{
    private static readonly HashSet<string> SiloSide = ["Gateway.Silo", "Gateway.Grains"];

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    [Fact]
    public void No_frontend_type_outside_the_embedded_folder_uses_a_silo_or_grains_type()
    {
        var offenders = Uses(typeof(FrontendHost).Assembly, type => !IsEmbedded(type));

        Assert.True(offenders.Count == 0, string.Join("\n", offenders));
    }

    [Fact]
    public void The_check_sees_the_embedded_defaults_own_use_of_the_silo()
    {
        // The same scan over the embedded folder must find the silo it hosts, or the test above could not fail.
        var found = Uses(typeof(FrontendHost).Assembly, IsEmbedded);

        Assert.Contains(found, f => f.StartsWith(typeof(EmbeddedSilo).FullName!, StringComparison.Ordinal) && f.Contains("Gateway.Silo.SiloApp", StringComparison.Ordinal));
    }

    private static List<string> Uses(Assembly assembly, Func<Type, bool> scanned)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes().Where(scanned))
        {
            foreach (var used in UsedBy(type))
            {
                if (SiloSide.Contains(used.Assembly.GetName().Name!))
                {
                    found.Add($"{type.FullName} uses {used.FullName}");
                }
            }
        }

        return [.. found];
    }

    private static bool IsEmbedded(Type type)
    {
        while (type.DeclaringType is { } outer)
        {
            type = outer;
        }

        return type.Namespace?.StartsWith("Gateway.Frontend.Embedded", StringComparison.Ordinal) == true;
    }

    private static IEnumerable<Type> UsedBy(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var used = new List<Type?> { type.BaseType };
        used.AddRange(type.GetInterfaces());
        used.AddRange(type.GetCustomAttributesData().Select(a => a.AttributeType));
        used.AddRange(type.GetFields(all).Select(f => f.FieldType));
        used.AddRange(type.GetProperties(all).Select(p => p.PropertyType));
        foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            if (method is MethodInfo info)
            {
                used.Add(info.ReturnType);
            }

            used.AddRange(method.GetParameters().Select(p => p.ParameterType));
            used.AddRange(BodyUses(type, method));
        }

        return used.OfType<Type>().SelectMany(Expand);
    }

    /// <summary>Every type, method and field a method body names (the metadata tokens of its IL).</summary>
    private static IEnumerable<Type> BodyUses(Type type, MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var typeArguments = type.IsGenericType ? type.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var at = 0;
        while (at < il.Length)
        {
            var value = (short)il[at++];
            if (value == 0xFE)
            {
                value = (short)(0xFE00 | il[at++]);
            }

            var opCode = OpCodesByValue[value];
            switch (opCode.OperandType)
            {
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType:
                    var member = method.Module.ResolveMember(BitConverter.ToInt32(il, at), typeArguments, methodArguments);
                    if (member is Type named)
                    {
                        yield return named;
                    }
                    else if (member?.DeclaringType is { } declaring)
                    {
                        yield return declaring;
                    }

                    if (member is MethodInfo called)
                    {
                        yield return called.ReturnType;
                        foreach (var argument in called.GetGenericArguments())
                        {
                            yield return argument;
                        }
                    }
                    else if (member is FieldInfo field)
                    {
                        yield return field.FieldType;
                    }

                    at += 4;
                    break;
                case OperandType.InlineSwitch:
                    at += 4 + (4 * BitConverter.ToInt32(il, at));
                    break;
                default:
                    at += opCode.OperandType switch
                    {
                        OperandType.InlineNone => 0,
                        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                        OperandType.InlineVar => 2,
                        OperandType.InlineI8 or OperandType.InlineR => 8,
                        _ => 4,
                    };
                    break;
            }
        }
    }

    /// <summary>A type with its element and generic argument types.</summary>
    private static IEnumerable<Type> Expand(Type type)
    {
        yield return type;
        if (type.HasElementType && type.GetElementType() is { } element)
        {
            foreach (var inner in Expand(element))
            {
                yield return inner;
            }
        }

        if (type.IsGenericType && !type.IsGenericTypeDefinition)
        {
            foreach (var argument in type.GetGenericArguments().SelectMany(Expand))
            {
                yield return argument;
            }
        }
    }
}
