// The NIR paper's single LIF neuron (paper/01_lif: one input spike train, dt = 1e-4 s, 1000 steps): SpikeLfp
// imports the Norse and Rockpool files, simulates them on the paper's input and draws its membrane next to the
// traces the other simulators published, then prints the spike steps side by side (README, "NIR").
// Run: dotnet run --project examples/NirLif -c Release [-- FIXTURES_DIR [OUT.png]]
using System.Globalization;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;
using SpikeLfp.Network.Simulation;
using SpikeLfp.Neurons;
using SpikeLfp.Nir;
using SpikeLfp.Viz;

string fixtures = args.Length > 0 ? args[0] : Path.Combine("tests", "Fixtures", "nir");
string png = args.Length > 1 ? args[1] : Path.Combine("docs", "images", "nir-lif.png");
const double dt = 1e-4;

// Each published CSV row: input spike, voltage, output spike (Lava's fixed-point voltages are integers).
(float[] Input, float[] Voltage, int[] Spikes) Published(string name)
{
    var rows = File.ReadAllLines(Path.Combine(fixtures, name)).Where(l => l.Length > 0)
        .Select(l => l.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
    return (rows.Select(r => r[0]).ToArray(), rows.Select(r => r[1]).ToArray(),
        Enumerable.Range(0, rows.Length).Where(t => rows[t][2] != 0).ToArray());
}

// Imports a file and runs it on the input train; returns its membrane per step and its spike steps.
(float[] Voltage, int[] Spikes) SpikeLfp(string file, NirDiscretisation rule, float[] input)
{
    string path = Path.Combine(fixtures, file);
    // NIR's reset (v = v_reset = 0) applied in the step the neuron spikes, as Norse does.
    var network = NirImporter.ToNetwork(NirReader.Read(path), new NirImportOptions(dt, rule, ResetMode.ZeroAll, DelayedReset: false), path);
    var builder = new RecordedSpikes.Builder(1, input.Length);
    foreach (float x in input) builder.AddStep(x != 0 ? [0] : []);
    var recording = new Simulator(network, input.Length, new RecordedSpikeEncoder(builder.Build())).Record([0f], [0L], null);
    var neuron = recording.Output;
    var voltage = Enumerable.Range(0, input.Length).Select(t => neuron.Membranes![neuron.IndexOf(t, 0, 0)]).ToArray();
    return (voltage, Enumerable.Range(0, input.Length).Where(t => neuron.SpikeAt(t, 0, 0) != 0).ToArray());
}

var input = Published("lif_norse.csv").Input;
var ours = new (string Label, (float[] Voltage, int[] Spikes) Run)[]
{
    ("ours: N, Euler", SpikeLfp("lif_norse.nir", NirDiscretisation.Euler, input)),
    ("ours: N, exact", SpikeLfp("lif_norse.nir", NirDiscretisation.Exact, input)),
    ("ours: R, Euler", SpikeLfp("lif_rockpool.nir", NirDiscretisation.Euler, input)),
    ("ours: R, exact", SpikeLfp("lif_rockpool.nir", NirDiscretisation.Exact, input)),
};
var published = new (string Label, string File)[]
{
    ("exact solution", "lif_exact.csv"), ("Norse", "lif_norse.csv"), ("snnTorch", "lif_snntorch.csv"), ("Rockpool", "lif_rockpool.csv"),
    ("Sinabs", "lif_sinabs.csv"), ("Spyx", "lif_spyx.csv"), ("Nengo", "lif_nengo.csv"), ("Lava float", "lif_lava_cpu_float.csv"),
    ("Lava fixed", "lif_lava_cpu_fixed.csv"), ("Loihi fixed", "lif_lava_loihi_fixed.csv"), ("SpiNNaker2", "lif_spinnaker2.csv"),
}.Select(p => (p.Label, Published(p.File))).ToArray();

// The first spike of the input is at step 60; the interesting part is 400..800.
var window = Enumerable.Range(400, 400).ToArray();
MembraneTrace Trace(string label, float[] voltage, int[] spikes)
    => new(label, window.Select(t => voltage[t]).ToArray(), spikes.Where(t => t >= 400 && t < 800).Select(t => t - 400).ToArray());
var traces = ours.Select(o => Trace(o.Label, o.Run.Voltage, o.Run.Spikes))
    .Concat(published.Select(p => Trace(p.Label, p.Item2.Voltage, p.Item2.Spikes))).ToList();
var plot = Plots.MembraneTraces(traces, double.NaN, "One LIF neuron (NIR paper 01_lif, dt = 0.1 ms): SpikeLfp (ours) above, published traces below");
plot.Subtitle = "steps 400 to 800 of 1000 (0 here is step 400); ours: SpikeLfp on lif_norse.nir (N) and lif_rockpool.nir (R); triangles: spikes; "
    + "each panel in its simulator's own voltage units";
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(png))!);
PlotExport.Save(plot, png, 1400, 3000);

Console.WriteLine("| simulator | spike steps |");
Console.WriteLine("|---|---|");
foreach (var (label, run) in ours) Console.WriteLine($"| SpikeLfp, {label.Replace("ours: N", "lif_norse.nir").Replace("ours: R", "lif_rockpool.nir")} | {string.Join(", ", run.Spikes)} |");
foreach (var (label, trace) in published) Console.WriteLine($"| {label} (published) | {string.Join(", ", trace.Spikes)} |");
var norse = published.Single(p => p.Label == "Norse").Item2.Voltage;
Console.WriteLine(FormattableString.Invariant($"largest |SpikeLfp (Euler) - Norse| over 1000 steps: {ours[0].Run.Voltage.Zip(norse, (a, b) => Math.Abs(a - b)).Max():G3}"));
var exact = published.Single(p => p.Label == "exact solution").Item2.Voltage;
Console.WriteLine(FormattableString.Invariant($"largest |SpikeLfp (exact) - exact solution| before the first spike (step 460): {ours[1].Run.Voltage.Take(460).Zip(exact, (a, b) => Math.Abs(a - b)).Max():G3}"));
Console.WriteLine($"wrote {png}");
