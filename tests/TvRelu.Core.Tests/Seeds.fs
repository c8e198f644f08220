/// One explicit seed for every property of this assembly that does not pin its own `Replay`: CI runs the same
/// cases on every run, so a red CI is a regression and every failure replays by the seed it prints. Exploration
/// at fresh seeds is the campaigns' job (`tvrelu audit`), and a property can be explored locally by changing
/// this seed. Properties with their own `Replay` (regressions) keep theirs.
module TvRelu.Core.Tests.Seeds

[<assembly: FsCheck.Xunit.Properties(Replay = "(20261129,297)")>]
do ()
