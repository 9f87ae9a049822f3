#!/bin/sh
# Test of the shipped systemd unit, run by the Maven build after the smoke test (skipped with it).
#
#   systemd-unit.sh <capfabric-*.tar.gz> <plugin jar> [max exposure, default 2.0]
#
# Without systemd as the init system (a build machine, a container), it checks what can be checked:
#   - `systemd-analyze verify` accepts the unit, and `systemd-analyze security --offline=yes` scores
#     its exposure at most the given figure (the unit shipped before scored 7.9 EXPOSED);
#   - it is Type=notify (the node sends READY=1 itself: see SystemdNotifyTest in the kernel);
#   - with the unit's environment, the unit's state folders and its ExecStartPre, a node started
#     from an install tree writes nothing there: its plugins folder is the state directory's,
#     seeded once from the tarball's plugins/, and a plugin dropped there (as admin.install writes
#     it) loads and serves.
# Needs systemd-analyze (Debian package systemd) and curl; skipped with a note when systemd-analyze is missing.
set -eu

tarball=$1
plugin_jar=$2
max_exposure=${3:-2.0}

if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "systemd-unit: note - systemd-analyze not installed, unit not checked"
    exit 0
fi

test_name=systemd-unit
# shellcheck source=testlib.sh
. "$(dirname "$0")/testlib.sh"

# the unit, with /opt/capfabric, /var/lib/capfabric and /var/log/capfabric moved under $tmp
mkdir -p "$tmp/opt"
tar -xzf "$tarball" -C "$tmp/opt"
opt=$(find "$tmp/opt" -mindepth 1 -maxdepth 1 -type d -name 'capfabric-*' | head -n 1)
[ -f "$opt/systemd/capfabric.service" ] || fail "systemd/capfabric.service missing from the tarball"
state="$tmp/var/lib/capfabric"
logs="$tmp/var/log/capfabric"
mkdir -p "$tmp/unit"
sed -e "s#/opt/capfabric#$opt#g" -e "s#/var/lib/capfabric#$state#g" -e "s#/var/log/capfabric#$logs#g" \
    "$opt/systemd/capfabric.service" >"$tmp/unit/capfabric.service"
unit="$tmp/unit/capfabric.service"

verify=$(systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify: $verify"
[ -z "$verify" ] || fail "systemd-analyze verify complains: $verify"
pass "systemd-analyze verify"

exposure=$(systemd-analyze security --offline=yes "$unit" 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
[ -n "$exposure" ] || fail "systemd-analyze security gave no exposure level"
awk -v e="$exposure" -v m="$max_exposure" 'BEGIN { exit !(e <= m) }' || fail "exposure $exposure is above $max_exposure"
pass "systemd-analyze security --offline=yes: exposure $exposure (at most $max_exposure)"

grep -q '^Type=notify$' "$unit" || fail "not Type=notify"
grep -q '^NotifyAccess=all$' "$unit" || fail "Type=notify needs NotifyAccess=all: systemd-notify runs as the node's child"
pass "Type=notify"

# what systemd does before ExecStart: the state and logs folders, then ExecStartPre
for dir in $(sed -n 's/^StateDirectory=//p' "$unit"); do mkdir -p "$tmp/var/lib/$dir"; done
for dir in $(sed -n 's/^LogsDirectory=//p' "$unit"); do mkdir -p "$tmp/var/log/$dir"; done
pre=$(sed -n "s/^ExecStartPre=\/bin\/sh -c '\(.*\)'$/\1/p" "$unit")
[ -n "$pre" ] || fail "no ExecStartPre seeding the plugins"
sh -c "$pre" || fail "ExecStartPre failed"
for entry in "$opt"/plugins/*; do
    [ -e "$state/plugins/$(basename "$entry")" ] || fail "plugin $(basename "$entry") not seeded into the state directory"
done
first=$(ls "$state/plugins" | head -n 1)
rm -rf "$state/plugins/$first"
sh -c "$pre" || fail "ExecStartPre failed the second time"
[ ! -e "$state/plugins/$first" ] || fail "ExecStartPre seeded again: a plugin removed by the operator came back"
pass "ExecStartPre seeds the shipped plugins into $state/plugins once"

# the node with the unit's environment; the install tree must stay as it was
touch "$tmp/before"
sleep 1
env_args=""
for assignment in $(sed -n 's/^Environment=//p' "$unit"); do
    case $assignment in
        JAVA_TOOL_OPTIONS=*) ;; # the JVM would print "Picked up ..." into the port scan below; checked by grep
        *) env_args="$env_args $assignment" ;;
    esac
done
grep -q '^Environment=CAPFABRIC_PLUGINS_DIR=' "$unit" || fail "the unit does not move the plugins folder"
: >"$tmp/node.log"
# shellcheck disable=SC2086 # assignments split on purpose
(cd "$opt" && exec env -i PATH="$PATH" LANG=C.UTF-8 $env_args CAPFABRIC_PORT=0 CAPFABRIC_HOST=127.0.0.1 \
    CAPFABRIC_NODE_ID=unit CAPFABRIC_PLUGINS_POLL__INTERVAL__MS=300 "$opt/bin/capfabric") >"$tmp/node.log" 2>&1 &
node_pid=$!
await_port "$tmp/node.log"
base="http://127.0.0.1:$port"
cp "$plugin_jar" "$state/plugins/.smoke.tmp" && mv "$state/plugins/.smoke.tmp" "$state/plugins/smoke.jar"
waited=0
until curl -s "$base/caps" | grep -q '"smoke-echo":{'; do
    [ "$waited" -lt 600 ] || fail "a plugin written into the state directory's plugins/ did not load within 60 s"
    sleep 0.1
    waited=$((waited + 1))
done
answer=$(curl -s -w ' %{http_code}' -H 'Content-Type: text/plain' --data-binary 'unit' "$base/v1/capability/smoke-echo")
case $answer in
    *" 200") ;;
    *) fail "the plugin loaded from the state directory answered '$answer'" ;;
esac
pass "the node loads and serves a plugin written into $state/plugins"
[ -n "$(ls -A "$state/work")" ] || fail "nothing under the state directory's work/: the unit's CAPFABRIC_WORK_DIR is not used"
kill -TERM "$node_pid"
wait "$node_pid" || true
node_pid=""
written=$(find "$opt" -newer "$tmp/before" | head -n 5)
[ -z "$written" ] || fail "the node wrote into the install tree (read-only under ProtectSystem=strict): $written"
pass "the node wrote nothing into the install tree"
