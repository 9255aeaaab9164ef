#!/usr/bin/env bash
# The local stack's supervisor (ADR 0008): runs one service's command, and when it
# exits without having been told to stop, logs it, counts it and starts it again
# with backoff, as systemd (Restart=always) or Kubernetes would in production.
#
#   supervise.sh NAME RUN_DIR -- command [args...]
#
# - `stack stop` sends SIGTERM to this process: it forwards the signal to the service's
#   own process (which passes it on to its children),
#   waits for it to exit and exits itself; nothing is restarted.
# - `stack kill` (the fault tests) sends SIGKILL to the service's process group only:
#   a crash. The supervisor restarts it after the backoff.
# - Backoff: 1, 2, 4, 8, 16, 30, 30 ... seconds; back to 1 s once a run lasted 60 s.
# - `stack kill --down S` writes RUN_DIR/NAME.hold (an epoch second) before the kill: the
#   restart waits until then, so the service stays down for a while (a failover to happen).
# - RUN_DIR/NAME.child holds the service's pid, RUN_DIR/NAME.restarts the number of
#   restarts since `stack start`; every restart is a line in the service's log.
set -uo pipefail

name="$1" run_dir="$2"
shift 2
[[ "${1:-}" == "--" ]] && shift

child=""
stopping=0
child_file="$run_dir/$name.child"
restarts_file="$run_dir/$name.restarts"
echo 0 > "$restarts_file"

say() { printf '%s [supervisor] %s: %s\n' "$(date -u +%FT%T.%3NZ)" "$name" "$*"; }

on_term() {
  stopping=1
  # To the service's own process only: it passes the signal on to what it started (tsx to
  # node). Sent to the whole group, node would get it twice, and a second SIGTERM means
  # "exit now" to close-with-grace: a projector would leave without leaving its group.
  if [[ -n "$child" ]]; then kill -TERM "$child" 2>/dev/null || true; fi
}
trap on_term TERM INT

delay=1
while :; do
  started=$SECONDS
  # Its own process group, so that a stop or a kill reaches the processes it starts
  # too (tsx runs node as a child).
  setsid "$@" &
  child=$!
  echo "$child" > "$child_file"
  # `wait` returns early when a trapped signal arrives: wait again until the child is gone.
  rc=0
  while kill -0 "$child" 2>/dev/null; do
    wait "$child"
    rc=$?
  done
  child=""
  rm -f "$child_file"
  if ((stopping)); then exit 0; fi
  if ((SECONDS - started >= 60)); then delay=1; fi
  n=$(($(cat "$restarts_file" 2>/dev/null || echo 0) + 1))
  echo "$n" > "$restarts_file"
  wait_s="$delay"
  hold_file="$run_dir/$name.hold"
  if [[ -f "$hold_file" ]]; then
    until_s="$(cat "$hold_file" 2>/dev/null || echo 0)"
    rm -f "$hold_file"
    now_s="$(date +%s)"
    if [[ "$until_s" =~ ^[0-9]+$ ]] && ((until_s - now_s > wait_s)); then wait_s=$((until_s - now_s)); fi
  fi
  say "exited with status $rc after $((SECONDS - started)) s; restart $n in ${wait_s} s"
  sleep "$wait_s" &
  wait $! || true
  if ((stopping)); then exit 0; fi
  delay=$((delay * 2 > 30 ? 30 : delay * 2))
done
