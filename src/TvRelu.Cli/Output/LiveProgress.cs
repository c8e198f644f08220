using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace TvRelu.Cli.Output;

/// <summary>
/// Live progress for jobs that can take seconds (enumeration, solves, training), shown only when
/// the results go to a terminal: redirected output, pipes and the in-process tests see none of it.
/// </summary>
internal static class LiveProgress
{
    /// <summary>Whether <paramref name="context"/> writes to an interactive terminal.</summary>
    internal static bool IsInteractive(CliContext? context) =>
        context is not null
        && ReferenceEquals(context.Output, Console.Out)
        && !Console.IsOutputRedirected
        && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>
    /// Runs <paramref name="work"/> under a spinner with the elapsed time on a terminal, or plainly
    /// otherwise. Its exceptions reach the caller unchanged.
    /// </summary>
    internal static T Run<T>(CliContext? context, string status, Func<T> work)
    {
        if (!IsInteractive(context))
        {
            return work();
        }
        var result = default(T)!;
        var clock = Stopwatch.StartNew();
        AnsiConsole.Status().Spinner(Spinner.Known.Dots).Start(Markup.Escape(status), ctx =>
        {
            var job = Task.Run(work);
            while (!((IAsyncResult)job).AsyncWaitHandle.WaitOne(TimeSpan.FromMilliseconds(250)))
            {
                ctx.Status(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{status} ({clock.Elapsed.TotalSeconds:F0} s)")));
            }
            result = job.GetAwaiter().GetResult();
        });
        return result;
    }
}
