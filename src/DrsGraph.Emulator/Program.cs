using DrsGraph.Emulator;

// The DRS v3 emulator on its own: dotnet run --project src/DrsGraph.Emulator -- --urls http://127.0.0.1:5100
var app = EmulatorApplication.Create(args);
await app.StartAsync();

// Logging is quiet by default (Warning), so say where we listen: that is what a user needs.
Console.WriteLine($"DRS v3 emulator listening on {app.GetBaseAddress()} (control API under /_emulator)");
await app.WaitForShutdownAsync();
