namespace DrsGraph.Emulator;

/// <summary>Builds the emulator as a web application, standalone or hosted inside the gateway.</summary>
public static class EmulatorApplication
{
    /// <summary>Creates the emulator app; <paramref name="configure"/> lets hosts and tests substitute services.</summary>
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        configure?.Invoke(builder);
        var app = builder.Build();
        return app;
    }
}
