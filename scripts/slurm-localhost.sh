#!/usr/bin/env bash
# A single-node Slurm on localhost (munged, slurmctld, slurmd; no systemd,
# no cgroups) for the Slurm executor's test: `tune --executor slurm`.
# Follows ../shared/slurm-localhost.md (Debian 12, Slurm 22.05). Run as root.
#   scripts/slurm-localhost.sh start   # install if missing, start, wait until the node is idle
#   scripts/slurm-localhost.sh stop    # stop the three daemons by their pids
set -euo pipefail

install_packages() {
  dpkg -s slurmctld slurmd slurm-client munge >/dev/null 2>&1 && return
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
}

start_munge() {
  if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then return; fi
  if [ ! -s /etc/munge/munge.key ]; then # Debian's postinst normally makes it
    mungekey --create --force
    chown munge:munge /etc/munge/munge.key
    chmod 400 /etc/munge/munge.key
  fi
  install -d -o munge -g munge -m 0755 /run/munge
  runuser -u munge -- /usr/sbin/munged
  for _ in $(seq 100); do munge -n </dev/null | unmunge >/dev/null 2>&1 && return; sleep 0.1; done
  echo "slurm-localhost: munged did not answer" >&2
  return 1
}

write_conf() {
  local mem
  mem=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
  rm -rf /var/spool/slurmctld /var/spool/slurmd # fresh state: no old jobs come back
  mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/slurm
  # CR_Core: array tasks share the node (the default CR_Core_Memory gives
  # each job all the memory, so they run one at a time);
  # batch_sched_delay=0: jobs start in ~0.1-0.8 s instead of 1-3 s.
  cat >/etc/slurm/slurm.conf <<CONF
ClusterName=localcluster
SlurmctldHost=localhost
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurm/slurmctld.pid
SlurmdPidFile=/run/slurm/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
NodeName=localhost CPUs=$(nproc) RealMemory=${mem} State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
}

start() {
  install_packages
  start_munge
  if scontrol ping 2>/dev/null | grep -q 'is UP'; then
    return # already up (perhaps running jobs)
  fi
  write_conf
  slurmctld -c # -c: no saved jobs
  slurmd
  for _ in $(seq 300); do [ "$(sinfo -h -o %T 2>/dev/null)" = idle ] && return; sleep 0.1; done
  echo "slurm-localhost: the node is not idle: $(sinfo -h -o '%T %E' 2>&1)" >&2
  return 1
}

stop() {
  # The pids first: each daemon removes its pid file as it exits.
  local pids="" f p alive
  for f in /run/slurm/slurmd.pid /run/slurm/slurmctld.pid /run/munge/munged.pid; do
    [ -s "$f" ] && pids="$pids $(cat "$f")"
  done
  [ -n "$pids" ] || return 0
  # shellcheck disable=SC2086
  kill $pids 2>/dev/null || true
  for _ in $(seq 100); do
    alive=0
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && return
    sleep 0.1
  done
}

case ${1:-} in
start) start ;;
stop) stop ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
