#!/usr/bin/env bash
# Soak: the scaffolded Order service, with its default middleware (request
# logs, metrics), at saturation for a while, reporting every 10 s the
# requests served, the errors, and the server's resident memory (RSS).
#
#   bench/soak.sh [seconds]            60 by default
#
# Builds kitgen, scaffolds `ordersvc` into target/soak and builds it in
# release; the server runs pinned to core 0, wrk (64 connections) to core 1.
# The load is the steady state of a service: every request reads an order or
# changes its status, so that the data stays the same size and any growth
# in RSS is the server's own. Target: no error, and RSS at the end within
# 1.2x of RSS after the first 10 s. Not run by CI: see docs/benchmarks.md.
set -euo pipefail

seconds=${1:-60}
rounds=$(( (seconds + 9) / 10 ))
root=$(cd "$(dirname "$0")/.." && pwd)
work=$root/target/soak
mkdir -p "$work"
cd "$root"

echo "building kitgen and the scaffold (release)..."
cargo build --release --quiet -p kitgen --bin kitgen
rm -rf "$work/ordersvc"
(cd "$work" && "$root/target/release/kitgen" new ordersvc > /dev/null)
(cd "$work/ordersvc" && CARGO_TARGET_DIR=$work/target cargo build --release --quiet)

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rm -f "$work"/soak.db*
DATABASE_URL="sqlite://$work/soak.db?mode=rwc" \
    taskset -c 0 "$work/target/release/ordersvc" --http-addr "127.0.0.1:$port" \
    --grpc-addr 127.0.0.1:0 --debug-addr 127.0.0.1:0 > /dev/null 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    curl -s "http://127.0.0.1:$port/healthz" > /dev/null && break
    sleep 0.1
done
id=$(curl -s "http://127.0.0.1:$port/orders" -H 'content-type: application/json' \
    -d '{"customer_id":"c-1","restaurant_id":"r-1","created_on":1700000000,"order_items":[{"product_code":"P-1","name":"Pasta","unit_price":7.5,"quantity":2}]}' \
    | tr -d '"')

cat > "$work/mix.lua" <<LUA
-- Three reads of the order to one change of its status.
local n = 0
request = function()
  n = n + 1
  if n % 4 == 0 then
    return wrk.format("PUT", "/orders/$id/status", {["Content-Type"] = "application/json"}, '{"status":"Preparing"}')
  end
  return wrk.format("GET", "/orders/$id")
end
LUA

rss() { awk '/^VmRSS/{print $2}' "/proc/$pid/status"; }
echo "order $id; RSS at rest $(rss) KiB; $rounds rounds of 10 s at 64 connections"
printf '%8s %12s %10s %8s %10s\n' "seconds" "requests" "req/s" "errors" "RSS KiB"
first=""
errors_total=0
for round in $(seq "$rounds"); do
    out=$(taskset -c 1 wrk -t1 -c64 -d10s -s "$work/mix.lua" "http://127.0.0.1:$port")
    requests=$(awk '/ requests in /{print $1}' <<< "$out")
    rate=$(awk '/^Requests\/sec/{printf "%d", $2}' <<< "$out")
    non2xx=$(awk '/Non-2xx/{print $NF}' <<< "$out")
    socket=$(awk -F'[ ,]+' '/Socket errors/{print $4+$6+$8+$10}' <<< "$out")
    errors=$(( ${non2xx:-0} + ${socket:-0} ))
    errors_total=$(( errors_total + errors ))
    now=$(rss)
    first=${first:-$now}
    printf '%8d %12d %10d %8d %10d\n' $((round * 10)) "$requests" "$rate" "$errors" "$now"
done
ratio=$(awk -v a="$now" -v b="$first" 'BEGIN{printf "%.2f", a/b}')
echo "errors: $errors_total; RSS at the end / after 10 s: $ratio (target <= 1.20)"
[ "$errors_total" = 0 ] && awk -v r="$ratio" 'BEGIN{exit !(r <= 1.2)}'
