#!/usr/bin/env bash
# Reliability cases the NUnit suites cannot set up: a full disk (a 1 MiB tmpfs) and files or folders that a
# non-root user may not read or write. Each case runs the spikelfp CLI and checks its exit code and its one-line
# message. They need root (to mount, and to switch to the user 'nobody'); elsewhere each case is skipped and says why.
# Usage: tests/reliability/run-as-root.sh [path/to/spikelfp.dll]   (default: the newest build under src/Cli/bin)
set -uo pipefail
cd "$(dirname "$0")/../.."

if [ "$(id -u)" != 0 ]; then
  echo "reliability (root): skipped, needs root to mount a tmpfs and to run as 'nobody' (run as root to check these cases)"
  exit 0
fi
dll=${1:-$(ls -t src/Cli/bin/*/net10.0/*/spikelfp.dll src/Cli/bin/*/net10.0/spikelfp.dll 2>/dev/null | head -1)}
if [ -z "$dll" ] || [ ! -f "$dll" ]; then
  dotnet build src/Cli -c Release -v q >/dev/null || { echo "reliability (root): FAILED, cannot build src/Cli"; exit 1; }
  dll=$(ls -t src/Cli/bin/Release/net10.0/*/spikelfp.dll src/Cli/bin/Release/net10.0/spikelfp.dll 2>/dev/null | head -1)
fi

work=$(mktemp -d /tmp/spikelfp-root-XXXXXX)
mounted=""
cleanup() { if [ -n "$mounted" ]; then umount "$mounted"; fi; rm -rf "$work"; }
trap cleanup EXIT
# A copy of the build that 'nobody' can read, wherever the checkout lives.
cp -r "$(dirname "$dll")" "$work/cli" && chmod -R a+rX "$work" && chmod 1777 "$work"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
failed=0 passed=0 skipped=0

# check NAME EXPECTED_EXIT FRAGMENT -- COMMAND...: the command's exit code, one stderr line containing FRAGMENT, no stack trace.
check() {
  local name=$1 expected=$2 fragment=$3; shift 4
  local err="$work/stderr"
  "$@" >"$work/stdout" 2>"$err"
  local code=$? lines
  lines=$(grep -c . "$err")
  if [ "$code" = "$expected" ] && grep -qF -- "$fragment" "$err" && ! grep -q '   at ' "$err" && [ "$lines" -le 2 ]; then
    echo "PASS  $name (exit $code: $(tail -1 "$err"))"; passed=$((passed + 1))
  else
    echo "FAIL  $name: expected exit $expected and '$fragment', got exit $code:"; sed 's/^/      /' "$err" | head -20; failed=$((failed + 1))
  fi
}
skip() { echo "SKIP  $1: $2"; skipped=$((skipped + 1)); }
spikelfp() { dotnet "$work/cli/spikelfp.dll" "$@"; }
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$work" dotnet "$work/cli/spikelfp.dll" "$@"; }

# 1. Disk full during training: exit 2 naming the file and "No space left on device"; no temporary file is left.
mkdir -p "$work/tiny"
if mount -t tmpfs -o size=1m tmpfs "$work/tiny" 2>/dev/null; then
  mounted="$work/tiny"
  check "disk full during train" 2 "No space left on device" -- \
    spikelfp train --model 64-300-10 --epochs 4 --limit 100 --checkpoint-every 1 --out "$work/tiny/run"
  if find "$work/tiny" -name '*.tmp' | grep -q .; then echo "FAIL  disk full left temporary files"; failed=$((failed + 1)); fi
  umount "$work/tiny" && mounted=""
else
  skip "disk full during train" "cannot mount a tmpfs here (no CAP_SYS_ADMIN in this container)"
fi

if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
  # 2. An output folder the user may not write: refused before training, exit 2.
  mkdir -p "$work/readonly" && chmod 755 "$work/readonly"
  check "out in a folder not writable (non-root)" 2 "--out" -- as_nobody train --epochs 1 --limit 20 --out "$work/readonly/run"
  # 3. A model file the user may not read.
  spikelfp train --model 64-16-10 --epochs 1 --limit 20 --out "$work/trained" >/dev/null 2>&1
  cp "$work/trained/model.json" "$work/secret.json" && chmod 600 "$work/secret.json"
  check "unreadable --model for train (non-root)" 2 "cannot be read" -- as_nobody train --model "$work/secret.json" --epochs 1 --limit 20 --out "$work/out3"
  check "unreadable --model for simulate (non-root)" 2 "secret.json" -- as_nobody simulate --model "$work/secret.json" --out "$work/out4"
  # 4. --resume into a run folder that is no longer writable: refused before any training.
  spikelfp train --model 64-16-10 --epochs 1 --limit 20 --checkpoint-every 1 --out "$work/run5" >/dev/null 2>&1
  chmod -R a+rX "$work/run5" && chmod 555 "$work/run5"
  check "--resume into a folder not writable (non-root)" 2 "cannot write" -- as_nobody train --resume --epochs 2 --out "$work/run5"
  # 5. bench --json into a folder not writable: refused before the benchmark runs.
  check "bench --json not writable (non-root)" 2 "--json" -- as_nobody bench --quick --json "$work/readonly/b.json"
  # 6. plot curves on a metrics.json the user may not read.
  mkdir -p "$work/curves" && cp "$work/trained/metrics.json" "$work/curves/" && chmod 600 "$work/curves/metrics.json"
  check "unreadable metrics.json for plot curves (non-root)" 2 "cannot read" -- as_nobody plot curves --runs "$work/curves" --out "$work/c.png"
else
  skip "non-root cases" "no setpriv or no user 'nobody'"
fi

echo "reliability (root): $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
