// MSBuild inline task (RoslynCodeTaskFactory), used by TorchSharpNativeFix.targets.
// Makes TorchSharp's libLibTorchSharp.so load on a system whose libstdc++ lacks GLIBCXX_3.4.32:
// copies the library into the project's obj folder, compiles a one-symbol shim with g++,
// adds the shim as DT_NEEDED and marks the GLIBCXX_3.4.32 version need weak. The NuGet cache is
// never written. See README.md in this folder for the why.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class FixLibTorchSharpGlibcxx : Task
{
    /// <summary>The package's libLibTorchSharp.so (read only).</summary>
    [Required] public string Library { get; set; } = string.Empty;

    /// <summary>Folder (under obj/) that receives the patched copy and the shim.</summary>
    [Required] public string WorkDirectory { get; set; } = string.Empty;

    /// <summary>The shim's C++ source.</summary>
    [Required] public string ShimSource { get; set; } = string.Empty;

    /// <summary>File name of the shim; also the DT_NEEDED entry written into the library.</summary>
    public string ShimName { get; set; } = "libTorchSharpGlibcxxShim.so";

    /// <summary>C++ compiler used for the shim.</summary>
    public string Compiler { get; set; } = "g++";

    /// <summary>Patched library, or empty when the system needs no fix.</summary>
    [Output] public string PatchedLibrary { get; set; } = string.Empty;

    /// <summary>Compiled shim, or empty when the system needs no fix.</summary>
    [Output] public string ShimLibrary { get; set; } = string.Empty;

    // Bump when the patch logic changes, so that old outputs are rebuilt.
    private const string FixVersion = "1";
    private const string MissingVersion = "GLIBCXX_3.4.32";
    private const string Libstdcxx = "libstdc++.so.6";

    public override bool Execute()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return true;
        try
        {
            string patched = Path.Combine(WorkDirectory, Path.GetFileName(Library));
            string shim = Path.Combine(WorkDirectory, ShimName);
            string stamp = Path.Combine(WorkDirectory, "fix.stamp");
            string stampText = FixVersion + "|" + Library + "|" + new FileInfo(Library).Length;

            // Incremental: outputs exist, are newer than the inputs and were made by this logic.
            if (File.Exists(patched) && File.Exists(shim) && File.Exists(stamp)
                && File.ReadAllText(stamp) == stampText
                && File.GetLastWriteTimeUtc(patched) >= File.GetLastWriteTimeUtc(Library)
                && File.GetLastWriteTimeUtc(shim) >= File.GetLastWriteTimeUtc(ShimSource))
            {
                PatchedLibrary = patched;
                ShimLibrary = shim;
                Log.LogMessage(MessageImportance.Low, "TorchSharp glibcxx fix: up to date.");
                return true;
            }

            string system = FindSystemLibstdcxx();
            if (system == null)
            {
                Log.LogWarning("TorchSharp glibcxx fix: cannot locate the system {0}; leaving {1} unchanged.", Libstdcxx, Library);
                return true;
            }
            byte[] systemImage = File.ReadAllBytes(system);
            byte[] image = File.ReadAllBytes(Library);
            var elf = new ElfImage(image);

            var missing = new List<string>();
            foreach (string version in elf.NeededVersions(Libstdcxx))
                if (!ContainsCString(systemImage, version)) missing.Add(version);
            if (missing.Count == 0)
            {
                Log.LogMessage(MessageImportance.Low, "TorchSharp glibcxx fix: {0} provides every version libLibTorchSharp.so needs; nothing to do.", system);
                return true;
            }
            if (missing.Count != 1 || missing[0] != MissingVersion)
            {
                Log.LogError("TorchSharp glibcxx fix: the system {0} lacks {1}, needed by {2}. The shim only covers {3}; install a newer libstdc++ (GCC 13 or later runtime).",
                    system, string.Join(", ", missing), Library, MissingVersion);
                return false;
            }

            Directory.CreateDirectory(WorkDirectory);
            if (!CompileShim(shim)) return false;

            elf.WeakenVersion(Libstdcxx, MissingVersion);
            elf.AddNeeded(ShimName);
            string temporary = patched + ".tmp";
            File.WriteAllBytes(temporary, image);
            File.Copy(temporary, patched, true);
            File.Delete(temporary);
            File.WriteAllText(stamp, stampText);

            PatchedLibrary = patched;
            ShimLibrary = shim;
            Log.LogMessage(MessageImportance.High, "TorchSharp glibcxx fix: {0} lacks {1}; patched copy of libLibTorchSharp.so at {2} now needs {3} and treats {1} as weak.",
                system, MissingVersion, patched, ShimName);
            return true;
        }
        catch (Exception e)
        {
            Log.LogError("TorchSharp glibcxx fix failed on {0}: {1}", Library, e.Message);
            return false;
        }
    }

    private bool CompileShim(string shim)
    {
        var start = new ProcessStartInfo(Compiler)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // netstandard (what inline tasks compile against) has no ArgumentList: quote by hand.
        start.Arguments = "-shared -fPIC -O2 -Wl,-soname," + ShimName + " -o " + Quote(shim) + " " + Quote(ShimSource);
        Process process;
        try { process = Process.Start(start); }
        catch (Exception e)
        {
            Log.LogError("TorchSharp glibcxx fix: the system libstdc++ lacks {0}, which TorchSharp's libLibTorchSharp.so needs, and the shim that stands in for it needs a C++ compiler, but '{1}' could not be started ({2}). Install g++ (e.g. 'apt-get install g++'), or pass -p:TorchSharpGlibcxxCompiler=<path>.",
                MissingVersion, Compiler, e.Message);
            return false;
        }
        if (process == null) { Log.LogError("TorchSharp glibcxx fix: could not start '{0}'.", Compiler); return false; }
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            Log.LogError("TorchSharp glibcxx fix: '{0}' failed to compile {1} (exit {2}):{3}{4}", Compiler, ShimSource, process.ExitCode, Environment.NewLine, output);
            return false;
        }
        return true;
    }

    private static string Quote(string path) => "\"" + path.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    private static string FindSystemLibstdcxx()
    {
        // What the dynamic loader would pick: ask ldconfig's cache first, then the usual folders.
        foreach (string ldconfig in new[] { "/sbin/ldconfig", "/usr/sbin/ldconfig" })
        {
            if (!File.Exists(ldconfig)) continue;
            try
            {
                var start = new ProcessStartInfo(ldconfig, "-p") { UseShellExecute = false, RedirectStandardOutput = true };
                using Process process = Process.Start(start);
                if (process == null) continue;
                string text = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                string arch = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? "x86-64" : "";
                foreach (string line in text.Split('\n'))
                {
                    string trimmed = line.Trim();
                    if (!trimmed.StartsWith(Libstdcxx + " ", StringComparison.Ordinal)) continue;
                    if (arch.Length > 0 && !trimmed.Contains(arch)) continue;
                    int arrow = trimmed.IndexOf("=> ", StringComparison.Ordinal);
                    if (arrow >= 0 && File.Exists(trimmed.Substring(arrow + 3))) return trimmed.Substring(arrow + 3);
                }
            }
            catch (Exception) { }
        }
        foreach (string folder in new[] { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/usr/lib", "/lib" })
        {
            string candidate = Path.Combine(folder, Libstdcxx);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    // True when the NUL-delimited string occurs in the image (version names live in .dynstr).
    private static bool ContainsCString(byte[] image, string text)
    {
        byte[] needle = Encoding.ASCII.GetBytes(text + "\0");
        for (int i = 1; i + needle.Length <= image.Length; i++)
        {
            if (image[i - 1] != 0 || image[i] != needle[0]) continue;
            int k = 1;
            while (k < needle.Length && image[i + k] == needle[k]) k++;
            if (k == needle.Length) return true;
        }
        return false;
    }
}

// The few ELF64 little-endian edits the fix needs (what patchelf would do, without patchelf).
internal sealed class ElfImage
{
    private const long DtNull = 0, DtNeeded = 1, DtStrtab = 5, DtStrsz = 10, DtSoname = 14, DtRpath = 15, DtRunpath = 29;
    private const long DtVerneed = 0x6ffffffe, DtVerneedNum = 0x6fffffff, DtVerdef = 0x6ffffffc, DtVerdefNum = 0x6ffffffd;
    private const long DtAuxiliary = 0x7ffffffd, DtFilter = 0x7fffffff;
    private const ushort VerFlagWeak = 0x2;

    private readonly byte[] image;
    private readonly List<(long Offset, long Vaddr, long Size)> loads = new();
    private readonly long dynamicOffset;
    private readonly int dynamicCapacity;
    private readonly long stringTable;
    private readonly long stringTableSize;

    public ElfImage(byte[] image)
    {
        this.image = image;
        if (image.Length < 64 || image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L' || image[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (image[4] != 2 || image[5] != 1) throw new InvalidDataException("only ELF64 little-endian is supported");
        long phoff = (long)U64(0x20);
        int phentsize = U16(0x36), phnum = U16(0x38);
        long dynamicSize = -1;
        dynamicOffset = -1;
        for (int i = 0; i < phnum; i++)
        {
            long ph = phoff + (long)i * phentsize;
            uint type = U32(ph);
            if (type == 1) loads.Add(((long)U64(ph + 0x08), (long)U64(ph + 0x10), (long)U64(ph + 0x20)));
            if (type == 2) { dynamicOffset = (long)U64(ph + 0x08); dynamicSize = (long)U64(ph + 0x20); }
        }
        if (dynamicOffset < 0) throw new InvalidDataException("no PT_DYNAMIC segment");
        dynamicCapacity = (int)(dynamicSize / 16);
        stringTable = FileOffset(Dynamic(DtStrtab) ?? throw new InvalidDataException("no DT_STRTAB"));
        stringTableSize = Dynamic(DtStrsz) ?? throw new InvalidDataException("no DT_STRSZ");
    }

    /// <summary>Version names that the image needs from <paramref name="file"/> (.gnu.version_r).</summary>
    public IEnumerable<string> NeededVersions(string file)
    {
        foreach (long aux in VersionNeeds(file)) yield return String(U32(aux + 8));
    }

    /// <summary>Sets VER_FLG_WEAK on the version need, so a library without it is accepted.</summary>
    public void WeakenVersion(string file, string version)
    {
        foreach (long aux in VersionNeeds(file))
        {
            if (String(U32(aux + 8)) != version) continue;
            ushort flags = U16(aux + 4);
            image[aux + 4] = (byte)(flags | VerFlagWeak);
            image[aux + 5] = (byte)((flags | VerFlagWeak) >> 8);
            return;
        }
        throw new InvalidDataException($"no version need {version} on {file}");
    }

    /// <summary>
    /// Adds DT_NEEDED <paramref name="name"/> (idempotent). Uses a spare DT_NULL slot of .dynamic, and
    /// stores the name in .dynstr in place of RUNPATH's trailing elements (build-machine paths such as
    /// TorchSharp's CI folder); fails rather than overwrite a string anything else points into.
    /// </summary>
    public void AddNeeded(string name)
    {
        int used = 0;
        while (used < dynamicCapacity && DynamicTag(used) != DtNull)
        {
            if (DynamicTag(used) == DtNeeded && String((long)DynamicValue(used)) == name) return;
            used++;
        }
        if (used + 1 >= dynamicCapacity) throw new InvalidDataException("no spare slot in .dynamic for DT_NEEDED");

        long pathTag = Dynamic(DtRunpath) != null ? DtRunpath : DtRpath;
        long pathIndex = Dynamic(pathTag) ?? throw new InvalidDataException("no RUNPATH/RPATH string to make room for the shim's name");
        string path = String(pathIndex);
        string[] elements = path.Split(':');
        int kept = elements.Length;
        string prefix = path;
        while (path.Length - prefix.Length < name.Length + 1)
        {
            if (--kept < 1) throw new InvalidDataException("RUNPATH too short to hold the shim's name");
            prefix = string.Join(":", elements, 0, kept);
        }
        if (elements[0] != "$ORIGIN/" && elements[0] != "$ORIGIN")
            throw new InvalidDataException($"RUNPATH '{path}' does not start with $ORIGIN, so the shim would not be found next to the library");

        // Nothing but RUNPATH itself may point into the bytes that change.
        long first = pathIndex + 1, last = pathIndex + path.Length;
        foreach (long reference in StringReferences())
            if (reference >= first && reference <= last && reference != pathIndex)
                throw new InvalidDataException("another string shares RUNPATH's bytes; refusing to edit .dynstr");

        long nameIndex = pathIndex + path.Length - name.Length; // ends on RUNPATH's own NUL
        for (long i = pathIndex + prefix.Length; i < nameIndex; i++) image[stringTable + i] = 0;
        Encoding.ASCII.GetBytes(name).CopyTo(image, stringTable + nameIndex);

        // Append DT_NEEDED where the DT_NULL terminator was; the next slot stays DT_NULL.
        long entry = dynamicOffset + used * 16L;
        WriteU64(entry, DtNeeded);
        WriteU64(entry + 8, (ulong)nameIndex);
        WriteU64(entry + 16, DtNull);
        WriteU64(entry + 24, 0);
    }

    private IEnumerable<long> VersionNeeds(string file)
    {
        long? verneed = Dynamic(DtVerneed);
        long count = Dynamic(DtVerneedNum) ?? 0;
        if (verneed == null) yield break;
        long need = FileOffset(verneed.Value);
        for (long n = 0; n < count; n++)
        {
            ushort auxCount = U16(need + 2);
            bool match = String(U32(need + 4)) == file;
            long aux = need + U32(need + 8);
            for (int a = 0; a < auxCount; a++)
            {
                if (match) yield return aux;
                aux += U32(aux + 12);
            }
            uint next = U32(need + 12);
            if (next == 0) break;
            need += next;
        }
    }

    // Every .dynstr index the loader or linker might read: dynamic tags, symbol names, version names.
    private IEnumerable<long> StringReferences()
    {
        for (int i = 0; i < dynamicCapacity && DynamicTag(i) != DtNull; i++)
        {
            long tag = DynamicTag(i);
            if (tag == DtNeeded || tag == DtSoname || tag == DtRpath || tag == DtRunpath || tag == DtAuxiliary || tag == DtFilter)
                yield return (long)DynamicValue(i);
        }
        long shoff = (long)U64(0x28);
        int shentsize = U16(0x3a), shnum = U16(0x3c);
        if (shoff == 0 || shnum == 0) throw new InvalidDataException("no section headers; cannot check .dynstr references");
        bool sawDynsym = false;
        for (int s = 0; s < shnum; s++)
        {
            long sh = shoff + (long)s * shentsize;
            if (U32(sh + 4) != 11) continue; // SHT_DYNSYM
            sawDynsym = true;
            long offset = (long)U64(sh + 0x18), size = (long)U64(sh + 0x20), entsize = (long)U64(sh + 0x38);
            for (long e = offset; e + entsize <= offset + size; e += entsize) yield return U32(e);
        }
        if (!sawDynsym) throw new InvalidDataException("no .dynsym section");
        long? verneed = Dynamic(DtVerneed);
        if (verneed != null)
        {
            long need = FileOffset(verneed.Value);
            long count = Dynamic(DtVerneedNum) ?? 0;
            for (long n = 0; n < count; n++)
            {
                yield return U32(need + 4); // vn_file
                ushort auxCount = U16(need + 2);
                long aux = need + U32(need + 8);
                for (int a = 0; a < auxCount; a++) { yield return U32(aux + 8); aux += U32(aux + 12); }
                uint next = U32(need + 12);
                if (next == 0) break;
                need += next;
            }
        }
        long? verdef = Dynamic(DtVerdef);
        if (verdef != null)
        {
            long def = FileOffset(verdef.Value);
            long count = Dynamic(DtVerdefNum) ?? 0;
            for (long d = 0; d < count; d++)
            {
                ushort auxCount = U16(def + 6);
                long aux = def + U32(def + 12);
                for (int a = 0; a < auxCount; a++) { yield return U32(aux); aux += U32(aux + 4); }
                uint next = U32(def + 16);
                if (next == 0) break;
                def += next;
            }
        }
    }

    private long? Dynamic(long tag)
    {
        for (int i = 0; i < dynamicCapacity && DynamicTag(i) != DtNull; i++)
            if (DynamicTag(i) == tag) return (long)DynamicValue(i);
        return null;
    }

    private long DynamicTag(int i) => (long)U64(dynamicOffset + i * 16L);
    private ulong DynamicValue(int i) => U64(dynamicOffset + i * 16L + 8);

    private long FileOffset(long vaddr)
    {
        foreach (var load in loads)
            if (vaddr >= load.Vaddr && vaddr < load.Vaddr + load.Size) return load.Offset + vaddr - load.Vaddr;
        throw new InvalidDataException($"address 0x{vaddr:x} is not in a PT_LOAD segment");
    }

    private string String(long index)
    {
        if (index < 0 || index >= stringTableSize) throw new InvalidDataException("string index outside .dynstr");
        long start = stringTable + index, end = start;
        while (image[end] != 0) end++;
        return Encoding.ASCII.GetString(image, (int)start, (int)(end - start));
    }

    private ushort U16(long o) => (ushort)(image[o] | image[o + 1] << 8);
    private uint U32(long o) => (uint)(U16(o) | (uint)U16(o + 2) << 16);
    private ulong U64(long o) => U32(o) | (ulong)U32(o + 4) << 32;
    private void WriteU64(long o, ulong value)
    {
        for (int i = 0; i < 8; i++) image[o + i] = (byte)(value >> (8 * i));
    }
    private void WriteU64(long o, long value) => WriteU64(o, (ulong)value);
}
