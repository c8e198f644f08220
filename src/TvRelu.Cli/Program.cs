// Placeholder entry point: replace with the real System.CommandLine tree.
if (args is ["demo", ..])
{
    Console.WriteLine("tvrelu demo: placeholder, the real demo is not written yet");
    return 0;
}

Console.Error.WriteLine("usage: tvrelu demo");
return 1;
