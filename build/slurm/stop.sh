#!/usr/bin/env bash
# Stops the daemons build/slurm/start.sh started, by the PIDs it recorded (and only if each PID still
# runs the daemon it recorded), and removes its state folder.
set -uo pipefail
dir=${SPIKELFP_SLURM_DIR:-/tmp/spikelfp-slurm}
stop() {  # stop NAME PIDFILE
  local name=$1 file=$2 pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ]; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$file"
}
# The node first, so no job step is left behind a controller that is gone; munge last, both need it.
stop slurmd "$dir/slurmd.pid"
stop slurmctld "$dir/slurmctld.pid"
stop munged "$dir/munged.pid"
# Only a folder start.sh wrote (it holds slurm.conf) is removed.
if [ -f "$dir/slurm.conf" ]; then rm -rf "$dir"; fi
exit 0
