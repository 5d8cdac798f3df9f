#!/usr/bin/env bash
# The servers the tests talk to, on loopback: PostgreSQL (user postgres, no password) and NATS with JetStream.
# Installs (Debian) and starts whichever is missing, then waits until both answer; a no-op when they already do.
# .ci/run calls it; a developer can too, as root. Runs without systemd (CI containers have none).
# NATS_HOST, NATS_PORT, NATS_STORE_DIR, NATS_LOG_FILE and NATS_PID_FILE move the NATS server, e.g. to try the
# start path beside a server that already runs.
set -euo pipefail

nats_host="${NATS_HOST:-127.0.0.1}"
nats_port="${NATS_PORT:-4222}"
nats_store_dir="${NATS_STORE_DIR:-/var/lib/nats-server}"
nats_log_file="${NATS_LOG_FILE:-/var/log/nats-server.log}"
# start-stop-daemon matches by this file: matching by --exec alone would take any nats-server for ours (the
# cluster tests run their own), and start nothing.
nats_pid_file="${NATS_PID_FILE:-/run/nats-server-${nats_port}.pid}"
wait_seconds=30

# A NATS server greets every new connection with an INFO line; a port that is merely open does not.
nats_answers() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1" && head -c 4 <&3' "$nats_host" "$nats_port" 2>/dev/null | grep -q '^INFO'
}

# -w: never ask for a password, fail instead (no one is there to type it).
postgres_trusts_loopback() {
  psql -h 127.0.0.1 -U postgres -w -d postgres -qtAc 'select 1' >/dev/null 2>&1
}

# Runs the command every second until it succeeds, for at most wait_seconds.
wait_for() {
  local i
  for ((i = 0; i < wait_seconds; i++)); do
    "$@" && return 0
    sleep 1
  done
  "$@"
}

# One apt-get run for whatever is missing. The cluster tests start their own nodes from /usr/sbin/nats-server.
packages=()
if ! command -v psql >/dev/null 2>&1 || ! compgen -G '/etc/postgresql/*/main/postgresql.conf' >/dev/null; then
  packages+=(postgresql)
fi
[ -x /usr/sbin/nats-server ] || packages+=(nats-server)
if [ "${#packages[@]}" -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}"
fi

# PostgreSQL: start the Debian cluster if it is down (without systemd, pg_ctlcluster would redirect to it).
pg_version="$(ls /etc/postgresql | sort -V | tail -n 1)"
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster "$pg_version" main status >/dev/null 2>&1 ||
    pg_ctlcluster --skip-systemctl-redirect "$pg_version" main start
fi
if ! wait_for pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "services.sh: PostgreSQL $pg_version does not answer on 127.0.0.1:5432 after ${wait_seconds} s;" \
    "see /var/log/postgresql/" >&2
  exit 1
fi
# A fresh Debian install asks for a password over TCP (scram-sha-256); the tests connect without one.
if ! postgres_trusts_loopback; then
  hba="/etc/postgresql/$pg_version/main/pg_hba.conf"
  sed -Ei 's#^(host[[:space:]]+all[[:space:]]+all[[:space:]]+(127\.0\.0\.1/32|::1/128)[[:space:]]+)[^[:space:]]+#\1trust#' \
    "$hba"
  pg_ctlcluster --skip-systemctl-redirect "$pg_version" main reload
  if ! wait_for postgres_trusts_loopback; then
    echo "services.sh: psql -h 127.0.0.1 -U postgres still fails without a password; check the host lines of $hba" >&2
    exit 1
  fi
fi

# NATS with JetStream, in the background, unless something already answers on the port.
if ! nats_answers; then
  mkdir -p "$nats_store_dir"
  start-stop-daemon --start --quiet --oknodo --background --make-pidfile --pidfile "$nats_pid_file" \
    --exec /usr/sbin/nats-server -- \
    -a "$nats_host" -p "$nats_port" -js -sd "$nats_store_dir" -l "$nats_log_file"
  if ! wait_for nats_answers; then
    echo "services.sh: nats-server does not answer on $nats_host:$nats_port after ${wait_seconds} s;" \
      "see $nats_log_file" >&2
    tail -n 20 "$nats_log_file" >&2 2>/dev/null || true
    exit 1
  fi
fi
