using DrsGraph.Soak;

// dotnet SoakDriver.dll <gateway-url> <emulator-url> <duration-seconds> [concurrency] [seed]
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: SoakDriver <gateway-url> <emulator-url> <duration-seconds> [concurrency=16] [seed=1]");
    return 2;
}

var settings = new SoakSettings(
    new Uri(args[0]),
    new Uri(args[1]),
    TimeSpan.FromSeconds(int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture)),
    args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 16,
    args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 1);
var tally = await new SoakRun(settings).RunAsync(CancellationToken.None);
tally.Print(Console.Out);
return 0;
