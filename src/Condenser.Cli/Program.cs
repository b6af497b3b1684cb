using System.CommandLine;
using Condenser.Cli.Commands;

namespace Condenser.Cli;

/// <summary>The <c>condenser</c> command.</summary>
public static class Program
{
    /// <summary>Runs the command line; returns the process exit code.</summary>
    public static int Main(string[] args)
    {
        var root = new RootCommand("Condenser: open, analyse and share electron microscopy data from every vendor; serve a searchable library of experiments.");
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(PreviewCommand.Create());
        root.Subcommands.Add(ConvertCommand.Create());
        root.Subcommands.Add(FormatsCommand.Create());
        root.Subcommands.Add(VirtualImageCommand.Create());
        root.Subcommands.Add(CenterOfMassCommand.Create());
        root.Subcommands.Add(PatternStatisticsCommand.Create());
        root.Subcommands.Add(StrainCommand.Create());
        root.Subcommands.Add(ClassifyCommand.Create());
        root.Subcommands.Add(AnomalyCommand.Create());
        root.Subcommands.Add(DecomposeCommand.Create());
        root.Subcommands.Add(EelsMapCommand.Create());
        root.Subcommands.Add(AtomsCommand.Create());
        root.Subcommands.Add(SegmentCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(IngestCommand.Create());
        root.Subcommands.Add(UsersCommand.Create());
        root.Subcommands.Add(TwinCommand.Create());
        root.Subcommands.Add(AutopilotCommand.Create());
        return root.Parse(args).Invoke();
    }
}
