#!/usr/bin/env bash
# Starts a one-node SLURM cluster on this machine (as root), for the sweep tests and for trying
# `spikelfp sweep slurm` without a real cluster: installs munge and SLURM from apt when missing,
# writes slurm.conf into a state folder, starts munged, slurmctld and slurmd, and records their PIDs.
# Afterwards:  source "$SPIKELFP_SLURM_DIR/env.sh"   (sets SLURM_CONF)   and stop with build/slurm/stop.sh.
# The state folder is ${SPIKELFP_SLURM_DIR:-/tmp/spikelfp-slurm}; nothing outside it is configured.
set -euo pipefail
dir=${SPIKELFP_SLURM_DIR:-/tmp/spikelfp-slurm}
here=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" != 0 ]; then echo "slurm/start.sh: needs root (the daemons run as root)" >&2; exit 2; fi
if [ -f "$dir/slurmctld.pid" ] && kill -0 "$(cat "$dir/slurmctld.pid")" 2>/dev/null; then
  echo "slurm/start.sh: a cluster from $dir is already running (stop it with build/slurm/stop.sh)" >&2; exit 2
fi

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  if ! command -v apt-get >/dev/null; then echo "slurm/start.sh: SLURM is not installed and apt-get is not available" >&2; exit 2; fi
  # Keep the packages' maintainer scripts from starting the system-wide daemons: this cluster runs its own.
  created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; created_policy=1; fi
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge) >/dev/null
  [ "$created_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
fi

host=$(hostname -s)
cpus=$(nproc)
memory_mb=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
# The folder is this script's own: refuse to clear one that holds anything else.
if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ] && [ ! -f "$dir/slurm.conf" ]; then
  echo "slurm/start.sh: $dir exists and is not a cluster folder of this script; set SPIKELFP_SLURM_DIR to another folder" >&2; exit 2
fi
rm -rf "$dir"
mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
chmod 700 "$dir/munge"

# A private munge key and socket, so a system munged (if any) is neither needed nor disturbed.
mungekey --create --keyfile="$dir/munge/munge.key" --force >/dev/null 2>&1 || dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 600 "$dir/munge/munge.key"
# --force: munged refuses otherwise because of the ownership of its log and state folders.
munged --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/munged.seed"

cat > "$dir/slurm.conf" <<CONF
ClusterName=spikelfp
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
KillWait=5
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
NodeName=$host CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
echo "export SLURM_CONF=$dir/slurm.conf" > "$dir/env.sh"
export SLURM_CONF="$dir/slurm.conf"

# -i: ignore state saved by an earlier cluster in this folder (it was removed above anyway).
slurmctld -i
slurmd
for _ in $(seq 1 60); do
  state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
  case "$state" in
    idle*|mixed*|allocated*) echo "slurm/start.sh: one-node cluster up on $host ($cpus CPUs, ${memory_mb} MB); source $dir/env.sh"; exit 0 ;;
    down*|drain*) scontrol update NodeName="$host" State=RESUME >/dev/null 2>&1 || true ;;
  esac
  sleep 1
done
echo "slurm/start.sh: the node did not come up within 60 s (state '${state:-none}'); logs in $dir" >&2
"$here/stop.sh" || true
exit 1
