using System.Xml.Linq;

namespace SpikeLfp.Tests.Compare;

/// <summary>The LFP core (Neurons, Network, Learning without Surrogate) never depends on TorchSharp.</summary>
public class CoreIndependenceTests
{
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SpikeLfp.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root (SpikeLfp.sln) not found above the test folder.");
    }

    private static IEnumerable<string> CoreProjects(string root)
        => new[] { "src/Neurons", "src/Network", "src/Learning" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(root, folder), "*.csproj", SearchOption.AllDirectories))
            .Where(p => !p.Replace('\\', '/').Contains("/Learning/Surrogate/"))
            .Where(p => !p.Replace('\\', '/').Contains("/obj/") && !p.Replace('\\', '/').Contains("/bin/"));

    [Test]
    public void Core_project_files_do_not_reference_TorchSharp_directly_or_through_project_references()
    {
        string root = RepositoryRoot();
        var projects = CoreProjects(root).ToList();
        Assert.That(projects.Select(Path.GetFileName), Is.SupersetOf(new[] { "SpikeLfp.Neurons.csproj", "SpikeLfp.Network.csproj", "SpikeLfp.Learning.csproj" }));

        var seen = new HashSet<string>();
        var pending = new Stack<string>(projects.Select(Path.GetFullPath));
        while (pending.Count > 0)
        {
            string project = pending.Pop();
            if (!seen.Add(project)) continue;
            string text = File.ReadAllText(project);
            Assert.That(text, Does.Not.Contain("TorchSharp").IgnoreCase, $"{Path.GetRelativePath(root, project)} mentions TorchSharp");
            foreach (var reference in XDocument.Parse(text).Descendants("ProjectReference"))
            {
                string target = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, reference.Attribute("Include")!.Value));
                Assert.That(target.Replace('\\', '/'), Does.Not.Contain("/Learning/Surrogate/").And.Not.Contain("/src/Cli/"),
                    $"{Path.GetRelativePath(root, project)} references {Path.GetRelativePath(root, target)}");
                pending.Push(target);
            }
        }
    }

    [Test]
    public void Core_assemblies_do_not_load_TorchSharp()
    {
        var core = new[] { typeof(Neurons.Lif).Assembly, typeof(Network.Model.SpikingNetwork).Assembly, typeof(Learning.Training.LfpTrainer).Assembly };
        foreach (var assembly in core)
            Assert.That(assembly.GetReferencedAssemblies().Select(a => a.Name), Has.None.StartsWith("TorchSharp"), assembly.GetName().Name);
    }
}
