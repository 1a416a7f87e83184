#!/usr/bin/env bash
# Instructions per request of one server_bound target, counted by callgrind.
#
#   cargo build --release -p kitgen-bench --bin server_bound
#   bench/callgrind.sh kitgen-http [seconds]
#
# Targets: kitgen-http, kitgen-http-middleware, axum-http (loaded with wrk,
# POST /sum) and kitgen-grpc, tonic-grpc (loaded with h2load, Sum). The
# server runs under valgrind pinned to core 0, the loader on core 1; counting
# starts after a one-second warm-up and stops when the load does, so start-up
# is not counted. Instruction counts are exact and repeatable where
# throughput on a shared 2-core machine is not (docs/benchmarks.md).
set -euo pipefail

target=${1:?usage: bench/callgrind.sh TARGET [seconds]}
seconds=${2:-6}
root=$(cd "$(dirname "$0")/.." && pwd)
server=$root/target/release/server_bound
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

case $target in
  kitgen-http | kitgen-http-middleware | axum-http)
    cat > "$work/sum.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"a":1,"b":2}'
wrk.headers["Content-Type"] = "application/json"
LUA
    load() { taskset -c 1 wrk -t1 -c16 -d"$1"s -s "$work/sum.lua" "http://$addr/sum"; }
    served() { awk '/ requests in /{print $1}' "$1"; }
    ;;
  kitgen-grpc | tonic-grpc)
    # SumRequest { a: 1, b: 2 } in a gRPC frame.
    printf '\x00\x00\x00\x00\x04\x08\x01\x10\x02' > "$work/sum.grpc"
    load() {
      taskset -c 1 h2load -c4 -m4 -D"$1" -H 'content-type: application/grpc' \
        -H 'te: trailers' --data="$work/sum.grpc" "http://$addr/addsvc.AddService/Sum"
    }
    served() { sed -n 's/^requests:.* \([0-9]*\) succeeded.*/\1/p' "$1"; }
    ;;
  *) echo "unknown target $target" >&2; exit 2 ;;
esac

# The server stops when its standard input closes: keep it open with a pipe.
mkfifo "$work/stdin"
taskset -c 0 valgrind --tool=callgrind --instr-atstart=no \
  --callgrind-out-file="$work/callgrind.out" "$server" serve "$target" \
  < "$work/stdin" > "$work/addr" 2> "$work/valgrind.log" &
pid=$!
exec 3> "$work/stdin"
for _ in $(seq 1 150); do [ -s "$work/addr" ] && break; sleep 0.2; done
addr=$(head -1 "$work/addr")
[ -n "$addr" ] || { cat "$work/valgrind.log" >&2; exit 1; }

load 1 > /dev/null
callgrind_control -i on "$pid" > /dev/null 2>&1
load "$seconds" > "$work/load.txt"
callgrind_control -i off "$pid" > /dev/null 2>&1
callgrind_control -d "$pid" > /dev/null 2>&1
exec 3>&-
wait "$pid" || true

requests=$(served "$work/load.txt")
instructions=$(callgrind_annotate "$work/callgrind.out.1" 2>/dev/null |
  awk '/PROGRAM TOTALS/{gsub(",", "", $1); print $1}')
echo "$target: $requests requests, $instructions instructions, $((instructions / requests)) per request"
