using System.Text.Json.Serialization;

namespace DrsGraph.DrsClient.Auth;

/// <summary>Source-generated JSON for the IAM token call.</summary>
[JsonSerializable(typeof(IamTokenSource.AuthRequest))]
[JsonSerializable(typeof(IamTokenSource.TokenAnswer))]
internal sealed partial class IamJsonContext : JsonSerializerContext;
