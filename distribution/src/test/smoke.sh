#!/bin/sh
# Smoke test of the built distribution, run by the Maven build in the integration-test phase
# (./mvnw verify; skipped by -DskipTests or -Dsmoke.skip).
#
#   smoke.sh <capfabric-*.tar.gz> <plugin jar>
#
# Unpacks the tarball into a temporary folder and, with no JDK on the PATH (the machine's PATH less
# every Java command):
#   - bin/capfabric --version and --help answer, and the trained AOT cache is accepted where unpacked;
#   - bin/capfabric nodes and jobs run talk to the node (files relative to the caller's folder);
#   - the node starts on the bundled runtime and GET /caps answers 200 with JSON; it runs G1;
#   - every shipped plugin loads (the runtime has the JDK modules it needs) and the capabilities
#     named by SMOKE_CAPABILITIES (default: ocr stt tts, the engines .ci/setup installs) are present;
#   - a tts job answers a WAV and an stt job transcribes it (real engines on the bundled runtime);
#   - a plugin jar dropped into plugins/ shows its capability on /caps within seconds and serves a
#     job; removed, the capability goes away;
#   - SIGTERM stops the node cleanly: it drains and exits with status 143 (128 + SIGTERM, the JVM's
#     status after a signal-initiated orderly shutdown) within the grace period.
# Needs curl.
set -eu

tarball=$1
plugin_jar=$2
capabilities=${SMOKE_CAPABILITIES:-ocr stt tts}

test_name=smoke
# shellcheck source=testlib.sh
. "$(dirname "$0")/testlib.sh"

# --- the machine's PATH less every JDK: each command found on PATH, except Java's own -----------------
# (engines that providers run, such as flite and espeak-ng, stay reachable)
mkdir -p "$tmp/path"
old_ifs=$IFS
IFS=:
for dir in $PATH; do
    IFS=$old_ifs
    for exe in "$dir"/*; do
        name=${exe##*/}
        [ -f "$exe" ] && [ -x "$exe" ] && [ ! -e "$tmp/path/$name" ] || continue
        case $name in
            java | javac | jar | jlink | jshell | jcmd | jps | jstack | jdeps | jpackage | keytool | jfr | jwebserver) continue ;;
        esac
        case $(readlink -f "$exe") in
            */jvm/* | */jdk* | */jre*) continue ;;
        esac
        ln -s "$exe" "$tmp/path/$name"
    done
done
IFS=$old_ifs
if PATH="$tmp/path" command -v java >/dev/null 2>&1; then
    fail "the test PATH still has a java"
fi
run_clean() {
    env -i PATH="$tmp/path" HOME="$tmp/home" LANG=C.UTF-8 "$@"
}
mkdir -p "$tmp/home"

# --- unpack ---------------------------------------------------------------------------------------
tar -xzf "$tarball" -C "$tmp"
home=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name 'capfabric-*' | head -n 1)
[ -n "$home" ] && [ -x "$home/bin/capfabric" ] || fail "no capfabric-*/bin/capfabric in $tarball"
for path in runtime/bin/java runtime/release lib conf/capfabric.yaml systemd/capfabric.service plugins; do
    [ -e "$home/$path" ] || fail "$path missing from the tarball"
done
pass "unpacked $(basename "$tarball")"

version=$(run_clean "$home/bin/capfabric" --version) || fail "--version failed"
case $version in
    "capfabric "*) pass "--version says '$version'" ;;
    *) fail "--version said '$version'" ;;
esac
run_clean "$home/bin/capfabric" --help | grep -q "Usage: capfabric" || fail "--help printed no usage"
pass "--help"
if [ -f "$home/lib/capfabric.aot" ]; then
    run_clean JAVA_OPTS="-XX:AOTMode=on" "$home/bin/capfabric" --version >/dev/null 2>&1 \
        || fail "the AOT cache is refused where the tarball was unpacked (JAVA_OPTS=-XX:AOTMode=on)"
    pass "the AOT cache is accepted where unpacked"
else
    echo "smoke: note - no AOT cache in this tarball (built with -Daot.skip)"
fi

# --- start ----------------------------------------------------------------------------------------
# started directly (not through a function) so that $! is the JVM: env and bin/capfabric both exec
: >"$tmp/node.log"
env -i PATH="$tmp/path" HOME="$tmp/home" LANG=C.UTF-8 \
    CAPFABRIC_PORT=0 CAPFABRIC_HOST=127.0.0.1 CAPFABRIC_NODE_ID=smoke CAPFABRIC_PLUGINS_POLL__INTERVAL__MS=500 \
    "$home/bin/capfabric" >"$tmp/node.log" 2>&1 &
node_pid=$!

await_port "$tmp/node.log"
base="http://127.0.0.1:$port"

exe=$(readlink "/proc/$node_pid/exe" 2>/dev/null || true)
case $exe in
    "$home"/runtime/bin/java) pass "the node runs on the bundled runtime" ;;
    "") echo "smoke: note - cannot read /proc/$node_pid/exe" ;;
    *) fail "the node runs $exe, not the bundled runtime" ;;
esac

status=$(curl -s -o "$tmp/caps.json" -w '%{http_code} %{content_type}' "$base/caps") || fail "GET /caps failed"
case $status in
    "200 application/json"*) ;;
    *) fail "GET /caps answered '$status'" ;;
esac
grep -q '^{.*"node_id":"smoke".*"capabilities":{.*}$' "$tmp/caps.json" || fail "/caps is not the expected JSON: $(cat "$tmp/caps.json")"
pass "GET /caps: 200 JSON on port $port"

# bin/capfabric names G1 (with a periodic collection): the collector that gives an idle node's heap back
curl -s "$base/metrics" | grep -q 'id="G1 Old Gen"' || fail "the node does not run G1, the collector bin/capfabric names"
pass "the node runs G1, as bin/capfabric chooses"

# the node may answer before its plugins are loaded: wait until /caps lists every one
waited=0
for dir in "$home"/plugins/*/; do
    name=$(basename "$dir")
    until grep -q "{\"name\":\"$name\"" "$tmp/caps.json"; do
        [ "$waited" -lt 1800 ] || fail "plugin $name not listed on /caps within 180 s"
        sleep 0.1
        waited=$((waited + 1))
        curl -s -o "$tmp/caps.json" "$base/caps" || true
    done
done
for dir in "$home"/plugins/*/; do
    name=$(basename "$dir")
    entry=$(grep -o "{\"name\":\"$name\"[^}]*}" "$tmp/caps.json" || true)
    case $entry in
        *'"status":"loaded"'*) pass "plugin $name loaded" ;;
        *) fail "plugin $name did not load: ${entry:-not listed on /caps}" ;;
    esac
done
for capability in $capabilities; do
    grep -q "\"capabilities\":{.*\"$capability\":{" "$tmp/caps.json" || fail "capability $capability missing from /caps"
    pass "capability $capability present"
done

# --- real jobs through the shipped plugins: speak a sentence, then transcribe it --------------------
expected() {
    case " $capabilities " in
        *" $1 "*) return 0 ;;
        *) return 1 ;;
    esac
}
if expected tts; then
    status=$(curl -s -o "$tmp/hello.wav" -w '%{http_code} %{content_type}' -H 'Content-Type: application/json' \
        --data '{"text": "hello from the smoke test"}' "$base/v1/capability/tts")
    case $status in
        "200 audio/wav"*) ;;
        *) fail "tts job answered '$status': $(head -c 300 "$tmp/hello.wav")" ;;
    esac
    [ "$(head -c 4 "$tmp/hello.wav")" = "RIFF" ] || fail "tts job did not return a WAV file"
    pass "tts job: $(wc -c <"$tmp/hello.wav") bytes of WAV"
    if expected stt; then
        status=$(curl -s -o "$tmp/hello.json" -w '%{http_code} %{content_type}' -H 'Content-Type: audio/wav' \
            --data-binary "@$tmp/hello.wav" "$base/v1/capability/stt")
        case $status in
            "200 application/json"*) ;;
            *) fail "stt job answered '$status': $(head -c 300 "$tmp/hello.json")" ;;
        esac
        grep -q '"text":' "$tmp/hello.json" || fail "stt job returned no text: $(head -c 300 "$tmp/hello.json")"
        pass "stt job on that WAV: $(head -c 200 "$tmp/hello.json")"
    fi
fi

# --- bin/capfabric subcommands through the launcher; files are relative to the caller's folder -----
mkdir -p "$tmp/cli"
(cd "$tmp/cli" && run_clean "$home/bin/capfabric" nodes --url "$base") >"$tmp/cli/nodes.txt" 2>&1 \
    || fail "capfabric nodes failed: $(cat "$tmp/cli/nodes.txt")"
grep -q '^smoke  *ok ' "$tmp/cli/nodes.txt" || fail "capfabric nodes did not list node smoke as ok: $(cat "$tmp/cli/nodes.txt")"
pass "capfabric nodes lists the node"
(cd "$tmp/cli" && run_clean "$home/bin/capfabric" nodes --url "http://127.0.0.1:1") >"$tmp/cli/refused.txt" 2>&1 \
    && fail "capfabric nodes against a closed port exited 0"
grep -q 'cannot reach the node' "$tmp/cli/refused.txt" || fail "no clear error for a closed port: $(cat "$tmp/cli/refused.txt")"
pass "capfabric nodes says when the node cannot be reached"
if expected tts; then
    printf '{"text": "hello from the command line"}' >"$tmp/cli/say.json"
    (cd "$tmp/cli" && run_clean "$home/bin/capfabric" jobs run tts say.json --out said.wav --url "$base") >"$tmp/cli/job.txt" 2>&1 \
        || fail "capfabric jobs run tts failed: $(cat "$tmp/cli/job.txt")"
    [ "$(head -c 4 "$tmp/cli/said.wav")" = "RIFF" ] || fail "capfabric jobs run tts wrote no WAV file: $(cat "$tmp/cli/job.txt")"
    pass "capfabric jobs run tts: $(cat "$tmp/cli/job.txt")"
fi

# --- hot add, use, remove a plugin ----------------------------------------------------------------
cp "$plugin_jar" "$home/plugins/.smoke-echo.jar.part"
mv "$home/plugins/.smoke-echo.jar.part" "$home/plugins/smoke-echo.jar"
waited=0
until curl -s "$base/caps" | grep -q '"capabilities":{.*"smoke-echo":{'; do
    [ "$waited" -lt 150 ] || fail "the dropped plugin's capability did not appear on /caps within 15 s"
    sleep 0.1
    waited=$((waited + 1))
done
pass "dropped plugin's capability smoke-echo on /caps after $((waited / 10)).$((waited % 10)) s"

answer=$(curl -s -w ' %{http_code}' -H 'Content-Type: text/plain' --data-binary 'ping' "$base/v1/capability/smoke-echo")
[ "$answer" = "ping 200" ] || fail "the dropped plugin's job answered '$answer'"
pass "the dropped plugin serves a job"

rm "$home/plugins/smoke-echo.jar"
waited=0
while curl -s "$base/caps" | grep -q '"capabilities":{.*"smoke-echo":{'; do
    [ "$waited" -lt 150 ] || fail "the removed plugin's capability stayed on /caps for 15 s"
    sleep 0.1
    waited=$((waited + 1))
done
pass "removed plugin's capability gone"

# --- SIGTERM --------------------------------------------------------------------------------------
kill -TERM "$node_pid"
( sleep 30 && kill -KILL "$node_pid" ) >/dev/null 2>&1 &
watchdog=$!
status=0
wait "$node_pid" || status=$?
kill "$watchdog" 2>/dev/null || true
node_pid=""
[ "$status" -eq 143 ] || fail "after SIGTERM the node exited with status $status, expected 143"
grep -q "stopping node smoke" "$tmp/node.log" || fail "the node did not log its orderly stop"
pass "SIGTERM: orderly stop, exit status 143"

echo "smoke: all checks passed"
