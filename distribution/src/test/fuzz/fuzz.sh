#!/bin/sh
# Fuzz suite of the HTTP edge, run by the Maven build in the integration-test phase after the smoke
# test (skipped with it by -DskipTests or -Dsmoke.skip; alone by -Dfuzz.skip).
#
#   fuzz.sh <capfabric-*.tar.gz> <java>
#
# Unpacks the tarball, starts the node with JAVA_OPTS=-Xmx512m (the heap of the node the issue's
# fuzzing ran out of memory), waits for its tts capability and runs EdgeFuzz.java against it: seeded
# (FUZZ_SEED, default 12), bounded in count (FUZZ_COUNT, default 600) and time (FUZZ_SECONDS, default
# 150), loopback only, RSS bound FUZZ_RSS_MB (default 900). See EdgeFuzz.java for what it asserts.
set -eu

tarball=$1
java=$2
here=$(cd "$(dirname "$0")" && pwd)
seed=${FUZZ_SEED:-12}
count=${FUZZ_COUNT:-600}
seconds=${FUZZ_SECONDS:-150}
rss=${FUZZ_RSS_MB:-900}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/capfabric-fuzz.XXXXXX")
node_pid=""
cleanup() {
    if [ -n "$node_pid" ] && kill -0 "$node_pid" 2>/dev/null; then
        kill -TERM "$node_pid" 2>/dev/null || true
        sleep 2
        kill -KILL "$node_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
    echo "FUZZ FAIL: $*" >&2
    [ -f "$tmp/node.log" ] && { echo "--- node log (last 40 lines) ---" >&2; tail -n 40 "$tmp/node.log" >&2; }
    exit 1
}

tar -xzf "$tarball" -C "$tmp"
home=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name 'capfabric-*' | head -n 1)
[ -x "$home/bin/capfabric" ] || fail "no bin/capfabric in $tarball"

: >"$tmp/node.log"
JAVA_OPTS="-Xmx512m" CAPFABRIC_PORT=0 CAPFABRIC_HOST=127.0.0.1 CAPFABRIC_NODE_ID=fuzz \
    CAPFABRIC_PROVIDERS_ESPEAK_NG_MAX_TEXT_CHARS=8000 \
    CAPFABRIC_HTTP_BODY__IDLE__TIMEOUT__MS=3000 "$home/bin/capfabric" >"$tmp/node.log" 2>&1 &
node_pid=$!

port=""
waited=0
while [ -z "$port" ]; do
    kill -0 "$node_pid" 2>/dev/null || fail "the node exited before serving"
    [ "$waited" -lt 1800 ] || fail "the node did not log its port within 180 s"
    port=$(sed -n 's/.* serving on http:\/\/[^ ]*:\([0-9][0-9]*\) .*/\1/p' "$tmp/node.log" | head -n 1)
    [ -n "$port" ] || { sleep 0.1; waited=$((waited + 1)); }
done
waited=0
until curl -s "http://127.0.0.1:$port/caps" | grep -q '"tts"'; do
    [ "$waited" -lt 600 ] || fail "no tts capability within 60 s"
    sleep 0.1
    waited=$((waited + 1))
done

"$java" "$here/EdgeFuzz.java" "$port" "$node_pid" "$seed" "$count" "$seconds" "$rss" || fail "the fuzz suite found defects (above)"
kill -0 "$node_pid" 2>/dev/null || fail "the node died during the fuzz suite"
echo "fuzz: ok"
