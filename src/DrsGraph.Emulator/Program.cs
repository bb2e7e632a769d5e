using DrsGraph.Emulator;

// The DRS v3 emulator on its own: dotnet run --project src/DrsGraph.Emulator -- --urls http://127.0.0.1:5100
await EmulatorApplication.Create(args).RunAsync();
