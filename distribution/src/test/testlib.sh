# Shared by the distribution's test scripts (smoke.sh, plugin-author.sh, sdk.sh, systemd-unit.sh): sourced, never run.
#
# The caller sets $test_name ("sdk", "systemd-unit") before sourcing; it gets $tmp (removed on exit,
# with any node started into $node_pid killed), fail, pass and await_port.

tmp=$(mktemp -d "${TMPDIR:-/tmp}/capfabric-$test_name.XXXXXX")
node_pid=""
cleanup() {
    if [ -n "$node_pid" ] && kill -0 "$node_pid" 2>/dev/null; then
        kill -KILL "$node_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
    echo "$test_name FAIL: $*" >&2
    if [ -f "$tmp/node.log" ]; then
        echo "--- node log (last 40 lines) ---" >&2
        tail -n 40 "$tmp/node.log" >&2
    fi
    exit 1
}

pass() {
    echo "$test_name: ok - $*"
}

# await_port LOG: waits until the node $node_pid logs the port it serves on, into $port (180 s at most)
await_port() {
    port=""
    waited=0
    while [ -z "$port" ]; do
        kill -0 "$node_pid" 2>/dev/null || fail "the node exited before serving"
        [ "$waited" -lt 1800 ] || fail "the node did not log its port within 180 s"
        port=$(sed -n 's/.* serving on http:\/\/[^ ]*:\([0-9][0-9]*\) .*/\1/p' "$1" | head -n 1)
        [ -n "$port" ] || { sleep 0.1; waited=$((waited + 1)); }
    done
}
