using System.Text;

// The entry point only wires the process's streams to the testable Cli.Run.
Console.OutputEncoding = Encoding.UTF8;
return TvRelu.Cli.Cli.Run(args, Console.Out, Console.Error);
