#!/usr/bin/env bash
# The scaffolded Order service on its databases: requests per second of
# `create` (POST /orders, a new order of two items each time) and
# `get_by_id` (GET /orders/{id}) over HTTP/JSON, on SQLite (a file, WAL)
# and on Postgres, with the in-memory repository (`--database none`) as the
# baseline.
#
#   bench/database.sh [rounds]         5 by default
#
# Builds kitgen and both scaffolds in release into target/bench-database.
# Postgres (Debian's, as the tests use it: initdb into /dev/shm, as nobody
# when run as root) runs with the server on core 0, since it is part of what
# serves a call; wrk (64 connections) runs on core 1. Each round measures
# every target for 5 s per method, one after the other; the report is the
# median over the rounds, and the median of the per-round ratios to the
# in-memory baseline. Not run by CI: see docs/benchmarks.md.
set -euo pipefail

rounds=${1:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$root/target/bench-database
mkdir -p "$work"
cd "$root"

echo "building kitgen and the scaffolds (release)..."
cargo build --release --quiet -p kitgen --bin kitgen
for database in sqlite none; do
    rm -rf "$work/orders_$database"
    (cd "$work" && "$root/target/release/kitgen" new "orders_$database" --database "$database" > /dev/null)
    cp Cargo.lock "$work/orders_$database/"
    (cd "$work/orders_$database" && CARGO_TARGET_DIR=$work/target cargo build --release --quiet)
done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pids=()
pgdir=""
cleanup() {
    for pid in "${pids[@]}"; do kill -INT "$pid" 2> /dev/null || true; done
    wait 2> /dev/null || true
    [ -n "$pgdir" ] && rm -rf "$pgdir"
}
trap cleanup EXIT

# Postgres, as nobody when root (it refuses to run as root).
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_nobody=()
[ "$(id -u)" = 0 ] && as_nobody=(setpriv --reuid 65534 --regid 65534 --clear-groups)
pgdir=$(mktemp -d /dev/shm/bench-postgres.XXXXXX)
[ "$(id -u)" = 0 ] && chown 65534:65534 "$pgdir"
pgport=$(free_port)
(cd "$pgdir" && "${as_nobody[@]}" "$bin/initdb" --auth=trust --username=postgres --locale=C \
    --encoding=UTF8 --pgdata "$pgdir/data" > /dev/null)
(cd "$pgdir" && exec taskset -c 0 "${as_nobody[@]}" "$bin/postgres" -D "$pgdir/data" -h 127.0.0.1 \
    -p "$pgport" -k "$pgdir" -c max_connections=50 > "$pgdir/log" 2>&1) &
pids+=($!)
until "$bin/pg_isready" -q -h 127.0.0.1 -p "$pgport"; do sleep 0.1; done

declare -A port
start() { # name binary [flags...]
    local name=$1 binary=$2
    shift 2
    port[$name]=$(free_port)
    taskset -c 0 "$work/target/release/$binary" --http-addr "127.0.0.1:${port[$name]}" \
        --grpc-addr 127.0.0.1:0 --debug-addr 127.0.0.1:0 "$@" > "$work/$name.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do
        curl -s "http://127.0.0.1:${port[$name]}/orders/none" > /dev/null && return
        sleep 0.1
    done
    echo "$name did not start: $(tail -3 "$work/$name.log")" >&2
    exit 1
}
rm -f "$work"/orders.db*
start memory orders_none
start sqlite orders_sqlite --database-url "sqlite://$work/orders.db?mode=rwc"
start postgres orders_sqlite --migrate=true \
    --database-url "postgres://postgres@127.0.0.1:$pgport/postgres"
targets=(memory sqlite postgres)

order='{"customer_id":"c-1","restaurant_id":"r-1","order_items":[{"product_code":"P-1","name":"Pasta","unit_price":7.5,"quantity":2},{"product_code":"P-2","name":"Wine","unit_price":12,"quantity":1}]}'
declare -A id
for target in "${targets[@]}"; do
    id[$target]=$(curl -s "http://127.0.0.1:${port[$target]}/orders" \
        -H 'content-type: application/json' -d "$order" | tr -d '"')
done
cat > "$work/create.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$order'
LUA

# One 5 s run: requests per second, and the number of errors.
measure() { # target method
    local url="http://127.0.0.1:${port[$1]}" out
    if [ "$2" = create ]; then
        out=$(taskset -c 1 wrk -t1 -c64 -d5s -s "$work/create.lua" "$url/orders")
    else
        out=$(taskset -c 1 wrk -t1 -c64 -d5s "$url/orders/${id[$1]}")
    fi
    local rate non2xx socket
    rate=$(awk '/^Requests\/sec/{printf "%d", $2}' <<< "$out")
    non2xx=$(awk '/Non-2xx/{print $NF}' <<< "$out")
    socket=$(awk -F'[ ,]+' '/Socket errors/{print $4+$6+$8+$10}' <<< "$out")
    echo "$rate $(( ${non2xx:-0} + ${socket:-0} ))"
}

median() { sort -g | awk '{a[NR]=$1} END{print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

declare -A rates ratios
errors=0
for round in $(seq "$rounds"); do
    line="round $round:"
    for method in create get_by_id; do
        for target in "${targets[@]}"; do
            read -r rate failed <<< "$(measure "$target" "$method")"
            errors=$(( errors + failed ))
            rates[$target.$method]+="$rate "
            line+=" $target.$method=$rate"
            [ "$target" = memory ] && base=$rate
            ratios[$target.$method]+="$(awk -v a="$rate" -v b="$base" 'BEGIN{printf "%.3f", a/b}') "
        done
    done
    echo "$line"
done
printf '\n%-10s %-10s %12s %18s\n' method target "req/s" "ratio to memory"
for method in create get_by_id; do
    for target in "${targets[@]}"; do
        rate=$(tr ' ' '\n' <<< "${rates[$target.$method]}" | grep . | median)
        ratio=$(tr ' ' '\n' <<< "${ratios[$target.$method]}" | grep . | median)
        printf '%-10s %-10s %12s %18s\n' "$method" "$target" "$rate" "$ratio"
    done
done
echo "errors: $errors"
[ "$errors" = 0 ]
