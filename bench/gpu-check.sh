#!/usr/bin/env bash
# Builds the GPU device check as one self-contained Linux x64 file (no .NET needed on the GPU machine, no TorchSharp),
# into gpu-bundle/ (git-ignored), checks that it fits the 64 MiB the GPU machines take along, and says how to run it.
# Not trimmed: ILGPU reads kernel IL and emits launchers through reflection at run time. Compressed single file.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/gpu-bundle"
rm -rf "$out"
dotnet publish "$root/bench/GpuCheck/GpuCheck.csproj" -c Release -r linux-x64 --self-contained \
  -p:PublishSingleFile=true -p:InvariantGlobalization=true -p:EnableCompressionInSingleFile=true \
  -p:IncludeNativeLibrariesForSelfExtract=true -p:PublishTrimmed=false -p:DebugType=none -p:GenerateDocumentationFile=false \
  -o "$out" >&2
rm -f "$out"/*.pdb "$out"/*.xml
size=$(du -cb "$out" | tail -1 | cut -f1)
limit=$((64 * 1024 * 1024))
echo "bundle: $out ($(ls "$out" | tr '\n' ' ')), $((size / 1024 / 1024)) MiB ($size bytes)"
if [ "$size" -ge "$limit" ]; then echo "error: the bundle is larger than 64 MiB" >&2; exit 1; fi
cat <<HOW
Run on a GPU machine (CUDA driver needed; libcublas is used when present, else the tiled kernels; < 8 minutes):
  ./spikelfp-gpu-check > gpu-check.json      # JSON on stdout, progress on stderr; exit 0 = every agreement check passed
  ./spikelfp-gpu-check --quick               # fewer benchmark repeats
  ./spikelfp-gpu-check --cpu                 # ILGPU's CPU accelerator only (agreement checks, no benchmarks)
Without CUDA the program says so on stderr, runs the agreement checks on ILGPU's CPU accelerator and skips the benchmarks.
HOW
