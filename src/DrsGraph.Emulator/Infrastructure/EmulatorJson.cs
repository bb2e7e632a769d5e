using System.Text.Json;
using System.Text.Json.Serialization;

namespace DrsGraph.Emulator.Infrastructure;

/// <summary>Serializer settings of the DRS wire: explicit snake_case names, empty (null) fields omitted.</summary>
public static class EmulatorJson
{
    public static readonly JsonSerializerOptions Drs = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
