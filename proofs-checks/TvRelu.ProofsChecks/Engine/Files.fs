namespace TvRelu.ProofsChecks

open System
open System.IO
open System.Text

/// Campaign files cannot be used as asked: another process is writing the same shard, a result file
/// exists and `resume` was not given, or files of different campaigns would be mixed. The message
/// names the file and what differs; it is bad input (exit code 2 on the command line), never a bug.
type CampaignFileException(message: string) =
    inherit InvalidOperationException(message)

/// Whole files replaced atomically: the content goes to a temporary file in the same directory,
/// is flushed to the disk, and is renamed over the target. A reader (or a crash) sees the old file
/// or the new one, never half of one; a failure while writing removes the temporary file.
module AtomicFile =

    /// The temporary name next to `path`: hidden, unique, with the same extension (so that a
    /// writer that picks the format by extension, as ScottPlot does, still works).
    let private temporary (full: string) =
        Path.Combine(Path.GetDirectoryName full, sprintf ".%s.tmp-%s" (Guid.NewGuid().ToString "N") (Path.GetFileName full))

    /// Writes `path` by calling `writeTo` on a temporary path, then renaming it over `path`.
    let replaceWith (path: string) (writeTo: string -> unit) =
        let full = Path.GetFullPath path
        let tmp = temporary full

        try
            writeTo tmp
            // The rename is atomic, but only a flushed file survives a power cut with its content.
            (use fs = new FileStream(tmp, FileMode.Open, FileAccess.ReadWrite, FileShare.None)
             fs.Flush true)

            File.Move(tmp, full, true)
        with _ ->
            (try
                File.Delete tmp
             with _ ->
                 ())

            reraise ()

    /// Replaces `path` with the UTF-8 text (no byte-order mark).
    let writeText (path: string) (text: string) =
        replaceWith path (fun tmp -> File.WriteAllText(tmp, text, UTF8Encoding false))

    /// Replaces `path` with the lines, each ended by '\n' (whatever the platform's newline).
    let writeLines (path: string) (lines: seq<string>) =
        replaceWith path (fun tmp ->
            use w = new StreamWriter(tmp, false, UTF8Encoding false)

            for line in lines do
                w.Write line
                w.Write '\n')

/// An exclusive lock on a name in a directory, held by the operating system (flock on Unix, a
/// sharing lock on Windows) on an open lock file. The kernel releases it when the process ends,
/// however it ends, so a crash never leaves a lock that blocks the next run: the lock file itself
/// stays, and its existence means nothing.
module DirectoryLock =

    /// The lock `dir/name`, or a `CampaignFileException` naming `what` when another process (or
    /// another writer in this process) holds it. Dispose the result to release it.
    let acquire (dir: string) (name: string) (what: string) : IDisposable =
        let path = Path.Combine(dir, name)

        try
            let stream =
                new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None)

            // For people looking at the directory: who holds it. Not read by the lock itself.
            let note =
                Encoding.UTF8.GetBytes(sprintf "pid %d since %s\n" Environment.ProcessId (DateTime.UtcNow.ToString "O"))

            stream.SetLength 0L
            stream.Write(note, 0, note.Length)
            stream.Flush()
            stream :> IDisposable
        with :? IOException as e when e.GetType() = typeof<IOException> ->
            // Exactly IOException: the sharing violation. Its subclasses (a missing directory, a
            // path too long) are other problems and keep their own messages.
            raise (
                CampaignFileException(
                    sprintf
                        "another process is writing %s in '%s' (it holds the lock '%s'): wait for it to finish, or write to another directory"
                        what
                        dir
                        path
                )
            )
