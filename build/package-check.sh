#!/usr/bin/env bash
# Packs SpikeLfp as a user gets it and uses it the way a user would (called by .ci/run after the tests):
#   - dotnet pack of the libraries and the tool into artifacts/;
#   - the LFP core packages depend on neither TorchSharp nor ILGPU;
#   - the tool's per-platform packages (linux-x64, win-x64, osx-arm64: the publish output of each) carry the
#     natives that platform needs (libtorch, TorchSharp's binding, SkiaSharp, HarfBuzz);
#   - the tool installed from artifacts/ into a temporary tool path runs --help, train and compare from an empty folder;
#   - where the linux-x64 tool carries the GLIBCXX shim, the tool without it says in one line what to install (exit 4);
#   - README's library example, compiled as a fresh console project against the packages, trains and draws.
# Ends with "package checks: N passed, N failed"; exits non-zero when any check failed.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
artifacts=$repo/artifacts
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0; failed=0

check() { # check NAME COMMAND...: runs COMMAND, prints its time and PASS/FAIL with NAME
  local name=$1; shift
  local start=$SECONDS
  if "$@" >"$work/last.log" 2>&1; then
    passed=$((passed + 1)); echo "PASS $name ($((SECONDS - start)) s)"
  else
    failed=$((failed + 1)); echo "FAIL $name ($((SECONDS - start)) s):"; tail -n 30 "$work/last.log"
  fi
}

pack() {
  rm -rf "$artifacts"
  dotnet pack build/packages.slnf -c Release -o "$artifacts" -p:ContinuousIntegrationBuild=true
}

version() { ls "$artifacts"/SpikeLfp.Learning.*.nupkg | sed -E 's/.*SpikeLfp\.Learning\.(.*)\.nupkg/\1/'; }

core_has_no_torch_or_gpu() {
  local v; v=$(version)
  for id in SpikeLfp.Neurons SpikeLfp.Network SpikeLfp.Data SpikeLfp.Learning; do
    local nuspec; nuspec=$(unzip -p "$artifacts/$id.$v.nupkg" "$id.nuspec") || return 1
    if grep -iE 'id="(TorchSharp|libtorch|ILGPU)' <<<"$nuspec"; then echo "$id depends on the above"; return 1; fi
    unzip -l "$artifacts/$id.$v.snupkg" "lib/net10.0/$id.pdb" >/dev/null || { echo "$id has no symbol package"; return 1; }
  done
}

tool_natives() { # tool_natives RID FILE...: the RID's tool package holds every FILE
  local rid=$1; shift
  local listing; listing=$(unzip -l "$artifacts/spikelfp.$rid.$(version).nupkg") || return 1
  for file in "$@"; do
    grep -q "tools/net10.0/$rid/$file\$" <<<"$listing" || { echo "spikelfp.$rid lacks $file"; return 1; }
  done
}

install_tool() {
  dotnet tool install --tool-path "$work/tool" --add-source "$artifacts" spikelfp --version "$(version)"
}

in_empty_folder() { # in_empty_folder NAME COMMAND...: runs COMMAND in a new empty folder
  local dir=$work/run-$1; shift
  mkdir -p "$dir" && (cd "$dir" && "$@")
}

tool_without_shim_says_what_to_install() {
  local library; library=$(find "$work/tool/.store" -name libLibTorchSharp.so | head -n 1)
  if [ -z "$library" ] || [ ! -f "$(dirname "$library")/libTorchSharpGlibcxxShim.so" ]; then
    echo "no GLIBCXX shim in this tool package (not needed where it was built): nothing to check"; return 0
  fi
  local torchsharp; torchsharp=$(sed -nE 's/.*Include="TorchSharp-cpu" Version="([^"]+)".*/\1/p' Directory.Packages.props)
  local original; original=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')/torchsharp/$torchsharp/runtimes/linux-x64/native/libLibTorchSharp.so
  cp "$library" "$work/patched.so" && cp "$original" "$library" || return 1
  local dir=$work/run-noshim rc
  mkdir -p "$dir" "$work/no-nuget-cache"
  # An empty NuGet folder: TorchSharp's own fallback would otherwise copy libtorch out of the NuGet cache first.
  (cd "$dir" && NUGET_PACKAGES=$work/no-nuget-cache "$work/tool/spikelfp" compare --epochs 1 --seeds 0 >out.txt 2>err.txt); rc=$?
  cp "$work/patched.so" "$library"
  cat "$dir/err.txt"
  [ "$rc" -eq 4 ] && [ "$(wc -l <"$dir/err.txt")" -eq 1 ] && grep -q "^spikelfp compare: libtorch .*install" "$dir/err.txt"
}

readme_library_example() {
  local project=$work/consumer v; v=$(version)
  mkdir -p "$project"
  # The first C# block of README's "## Library" section, as it stands.
  awk '/^## Library/ { library = 1 } library && /^```csharp/ { code = 1; next } code && /^```/ { exit } code { print }' README.md >"$project/Program.cs"
  [ -s "$project/Program.cs" ] || { echo "no C# block under '## Library' in README.md"; return 1; }
  cat >"$project/Consumer.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="SpikeLfp.Learning" Version="$v" />
    <PackageReference Include="SpikeLfp.Viz" Version="$v" />
  </ItemGroup>
</Project>
EOF
  # Our packages from artifacts/ only, their dependencies from the machine's NuGet cache used as a feed; a private
  # packages folder so that a cached older build of the same version is never used.
  cat >"$project/nuget.config" <<EOF
<configuration>
  <packageSources>
    <clear />
    <add key="artifacts" value="$artifacts" />
    <add key="cache" value="$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')" />
  </packageSources>
</configuration>
EOF
  (cd "$project" && NUGET_PACKAGES=$work/consumer-packages dotnet run -c Release) || return 1
  [ -s "$project/model.json" ] && [ -s "$project/raster.png" ] || { echo "model.json or raster.png missing"; return 1; }
}

check "pack libraries and tool into artifacts/" pack
if [ "$failed" -eq 0 ]; then
  check "LFP core packages depend on neither TorchSharp nor ILGPU, and have symbols" core_has_no_torch_or_gpu
  check "tool linux-x64 carries its natives" tool_natives linux-x64 spikelfp.dll libLibTorchSharp.so libtorch_cpu.so libc10.so libgomp-98b21ff3.so.1 libSkiaSharp.so libHarfBuzzSharp.so
  check "tool win-x64 carries its natives" tool_natives win-x64 spikelfp.exe LibTorchSharp.dll torch_cpu.dll c10.dll libiomp5md.dll libSkiaSharp.dll libHarfBuzzSharp.dll
  check "tool osx-arm64 carries its natives" tool_natives osx-arm64 spikelfp libLibTorchSharp.dylib libtorch_cpu.dylib libc10.dylib libomp.dylib libSkiaSharp.dylib libHarfBuzzSharp.dylib
  check "dotnet tool install --tool-path T --add-source artifacts spikelfp" install_tool
  check "spikelfp --help" in_empty_folder help "$work/tool/spikelfp" --help
  check "spikelfp train --epochs 1 (empty folder)" in_empty_folder train "$work/tool/spikelfp" train --epochs 1
  check "spikelfp compare --epochs 1 --seeds 0 (empty folder)" in_empty_folder compare "$work/tool/spikelfp" compare --epochs 1 --seeds 0
  check "without the GLIBCXX shim the tool says what to install" tool_without_shim_says_what_to_install
  check "README library example against the packages" readme_library_example
fi
echo "package checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
