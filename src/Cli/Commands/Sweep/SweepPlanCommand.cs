using SpikeLfp.Sweeps;

namespace SpikeLfp.Cli.Commands.Sweep;

/// <summary>spikelfp sweep plan FILE --out S: expands a sweep file into S/tasks.jsonl.</summary>
public sealed class SweepPlanCommand : ICommand
{
    public string Name => "plan";
    public string Summary => "expand a sweep file into numbered tasks in S/tasks.jsonl";
    public string Description => """
        Expands the sweep file into numbered tasks, each an exact spikelfp command line with its own output folder S/tasks/NNNN/run, and writes S/tasks.jsonl and a copy of the file as S/sweep.json. Planning the same file again changes nothing; a different plan into an existing S is refused. The file:
          {"command": "train",                        train or compare
           "flags": {"dataset": "digits", "epochs": 2},   flags of every task (a switch: true/false)
           "variations": [{"neuron": "lif"}, {"neuron": "cuba", "alpha": 0.7}],   optional, one group each
           "grid": {"seed": [0, 1, 2], "lr": [0.01, 0.02],                        product, outermost first
                    "rates": [{"lfp-lr": 0.01, "surrogate-lr": 0.001}, ...]}}    a value may set several flags
        train tasks get --checkpoint-every 1 (unless set), so a stopped task resumes; a stopped compare task continues with compare --resume from the runs it finished; a task with nothing to continue (a train task stopped before its first checkpoint, a failed one) restarts with --overwrite, replacing its run folder.
        """;

    public IReadOnlyList<Operand> Operands { get; } = [new("SWEEP.json", "the sweep file")];

    public IReadOnlyList<Flag> Flags { get; } =
    [
        new("out", "S", "the sweep folder to create (required)"),
    ];

    public int Run(Arguments a, TextWriter output)
    {
        string file = a.Operand(Operands[0].Name) ?? throw new UsageException("sweep plan: which sweep file? usage: spikelfp sweep plan SWEEP.json --out S");
        string folder = a.OptionalString("out") ?? throw new UsageException("sweep plan: --out S is required: the sweep folder to create.");
        var spec = SweepSpec.Load(file, SweepCommand.BaseCommands);
        var tasks = SweepPlanner.Expand(spec, SweepCommand.BaseCommands[spec.Command].Checkpoints);
        var (sweep, written) = SweepFolder.Plan(folder, tasks, File.ReadAllText(file));
        output.WriteLine(written
            ? $"planned {tasks.Count} {spec.Command} tasks in {Path.Combine(folder, SweepFolder.TasksFileName)}"
            : $"{Path.Combine(folder, SweepFolder.TasksFileName)} already holds this plan ({tasks.Count} tasks); nothing changed");
        foreach (var task in sweep.Tasks.Take(3)) output.WriteLine($"  task {task.Index}: spikelfp {string.Join(" ", task.Args.Select(Launcher.ShellQuote))}");
        if (tasks.Count > 3) output.WriteLine($"  ... task {tasks.Count - 1}: {tasks[^1].Label}");
        output.WriteLine($"next: spikelfp sweep run {folder} --jobs 2   or   spikelfp sweep slurm {folder} --submit");
        return 0;
    }
}
