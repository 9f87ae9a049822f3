#!/bin/sh
# A plugin author's end-to-end test of the built distribution, run by the Maven build in the
# integration-test phase after the smoke test (skipped by -DskipTests or -Dsmoke.skip).
#
#   plugin-author.sh <capfabric-*.tar.gz> <JDK home>
#
# As a third-party author would, from the tarball alone: compiles small plugins against the SPI jar
# the tarball ships (with the given JDK's javac), drops them into a running node (on its bundled
# runtime) and checks, with a steady plugin serving throughout:
#   - a plugin dropped in serves; replaced by a newer version, the new one serves; removed, it is gone;
#   - each broken kind — throws an Error, hangs forever, reads a kernel module (Jackson) without
#     bundling it, bundles the SPI itself, a corrupt jar — leaves the node ready and every other
#     capability answering, and /caps says what is wrong with the broken one.
# Needs curl.
set -eu

tarball=$1
jdk=$2
javac="$jdk/bin/javac"
jar="$jdk/bin/jar"

test_name=plugin-author
# shellcheck source=testlib.sh
. "$(dirname "$0")/testlib.sh"

tar -xzf "$tarball" -C "$tmp"
home=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name 'capfabric-*' | head -n 1)
[ -n "$home" ] && [ -x "$home/bin/capfabric" ] || fail "no capfabric-*/bin/capfabric in $tarball"
# the SPI an author compiles against: the SDK's copy where the tarball has one, else the kernel's
spi=$(find "$home/sdk" "$home/lib" -name 'capfabric-spi-*.jar' ! -name '*-sources.jar' ! -name '*-javadoc.jar' 2>/dev/null | head -n 1)
[ -n "$spi" ] || fail "no capfabric-spi jar in the tarball (sdk/ or lib/)"
jackson=$(find "$home/lib" -name 'jackson-*.jar' | tr '\n' ':')

# --- building plugins as an author would ---------------------------------------------------------
# plugin <name> <provider id> <capability> <version> <what handle() does before answering> [extra module-info lines]
plugin() {
    name=$1 id=$2 cap=$3 version=$4 behaviour=$5 extra=${6:-}
    pkg=$(echo "$name" | tr -- '-' '_')
    src="$tmp/src/$name"
    mkdir -p "$src/author/$pkg" "$tmp/classes/$name" "$tmp/jars"
    cat >"$src/module-info.java" <<JAVA
module author.$pkg {
    requires capfabric.spi;
    $extra
    provides dev.capfabric.spi.ProviderFactory with author.$pkg.Factory;
}
JAVA
    cat >"$src/author/$pkg/Factory.java" <<JAVA
package author.$pkg;

import dev.capfabric.spi.*;
import java.util.Map;

public final class Factory implements ProviderFactory {
    public String id() { return "$id"; }
    public Capability capability() { return Capability.of("$cap"); }
    public Creation create(ProviderContext context) {
        return Creation.ready(new CapabilityProvider() {
            public ProviderDescription describe() {
                return ProviderDescription.builder().extra(Map.of("version", "$version")).build();
            }
            public Health health() { return Health.ok(); }
            public Result handle(Job job) throws CapabilityException {
                $behaviour
                String text = job.input().asText().strip();
                return Result.json(Map.of("words", text.isEmpty() ? 0 : text.split("\\\\s+").length, "version", "$version"));
            }
            public void close() { }
        });
    }
}
JAVA
    "$javac" -nowarn --release 25 --module-path "$spi:$jackson" --module-version "$version" -d "$tmp/classes/$name" \
        "$src/module-info.java" "$src/author/$pkg/Factory.java" || fail "javac failed for $name"
    "$jar" --create --file "$tmp/jars/$name.jar" -C "$tmp/classes/$name" . || fail "jar failed for $name"
}
# drop <jar> <as name in plugins/>: appears at once, as an operator's mv would
drop() {
    cp "$1" "$home/plugins/.$2.part"
    mv "$home/plugins/.$2.part" "$home/plugins/$2"
}

plugin steady steady steady 1.0.0 ""
plugin wordcount-v1 wordcount wordcount 1.0.0 ""
plugin wordcount-v2 wordcount wordcount 2.0.0 ""
plugin boom boom boom 1.0.0 'if (job.input().bytes().length >= 0) { throw new StackOverflowError("thrown on purpose"); }'
plugin hang hang hang 1.0.0 'for (boolean forever = true; forever; ) { try { Thread.sleep(60_000); } catch (InterruptedException e) { /* ignored on purpose */ } }'
plugin kernel-reader kernel-reader kernel-reader 1.0.0 'com.fasterxml.jackson.databind.ObjectMapper m = null;' 'requires com.fasterxml.jackson.databind;'
pass "built plugins against $(basename "$spi") with $("$javac" -version 2>&1)"

# --- the node ------------------------------------------------------------------------------------
drop "$tmp/jars/steady.jar" steady.jar
: >"$tmp/node.log"
# a stuck job is written off 1 s after its deadline (default: a few seconds), to keep the test short
env CAPFABRIC_PORT=0 CAPFABRIC_HOST=127.0.0.1 CAPFABRIC_NODE_ID=author CAPFABRIC_PLUGINS_POLL__INTERVAL__MS=200 \
    CAPFABRIC_DISPATCH_STUCK__GRACE__MS=1000 \
    "$home/bin/capfabric" >"$tmp/node.log" 2>&1 &
node_pid=$!
await_port "$tmp/node.log"
base="http://127.0.0.1:$port"

# job <capability> [curl options...]: prints "<status> <body>"
job() {
    cap=$1
    shift
    curl -s -w ' %{http_code}' -H 'Content-Type: text/plain' --data-binary 'one two three' "$@" "$base/v1/capability/$cap" \
        | sed 's/^\(.*\) \([0-9]*\)$/\2 \1/'
}
# until <seconds> <what> <command...>: polls the command until it succeeds
until_ok() {
    limit=$(($1 * 10)) what=$2
    shift 2
    waited=0
    until "$@"; do
        [ "$waited" -lt "$limit" ] || fail "$what: not within $((limit / 10)) s; /caps: $(curl -s "$base/caps")"
        sleep 0.1
        waited=$((waited + 1))
    done
}
caps_has() {
    curl -s "$base/caps" | grep -q "$1"
}
plugin_entry() {
    curl -s "$base/caps" | grep -o "{\"name\":\"$1\"[^}]*}" || true
}
# the node stays ready and the steady capability answers, whatever was dropped in
healthy() {
    ready=$(curl -s -o /dev/null -w '%{http_code}' "$base/health/ready")
    [ "$ready" = 200 ] || fail "after $1 the node is not ready ($ready): $(curl -s "$base/health/ready")"
    answer=$(job steady)
    case $answer in
        "200 "*'"words":3'*) ;;
        *) fail "after $1 the steady capability answered '$answer'" ;;
    esac
    pass "after $1: ready, and the steady capability answers"
}

until_ok 60 "the steady plugin to serve" caps_has '"capabilities":{.*"steady":{'
healthy "start"

# --- drop in, call, replace with a newer version, remove ------------------------------------------
drop "$tmp/jars/wordcount-v1.jar" wordcount.jar
until_ok 15 "wordcount 1.0.0 on /caps" caps_has '"capabilities":{.*"wordcount":{'
answer=$(job wordcount)
case $answer in
    "200 "*'"version":"1.0.0"'*'"words":3'* | "200 "*'"words":3'*'"version":"1.0.0"'*) pass "wordcount 1.0.0 serves: $answer" ;;
    *) fail "wordcount 1.0.0 answered '$answer'" ;;
esac
drop "$tmp/jars/wordcount-v2.jar" wordcount.jar
until_ok 15 "wordcount 2.0.0 to take over" caps_has '"extra":{"version":"2.0.0"}'
answer=$(job wordcount)
case $answer in
    "200 "*'"version":"2.0.0"'*) pass "replaced by 2.0.0, which serves: $answer" ;;
    *) fail "after the replacement wordcount answered '$answer'" ;;
esac
rm "$home/plugins/wordcount.jar"
until_ok 15 "wordcount to go" sh -c "! curl -s '$base/caps' | grep -q '\"capabilities\":{.*\"wordcount\":{'"
answer=$(job wordcount)
case $answer in
    404*) pass "removed: wordcount is gone (404)" ;;
    *) fail "after removal wordcount answered '$answer'" ;;
esac
healthy "add, replace, remove"

# --- broken kinds --------------------------------------------------------------------------------
drop "$tmp/jars/boom.jar" boom.jar
until_ok 15 "boom on /caps" caps_has '"capabilities":{.*"boom":{'
for attempt in 1 2 3; do
    answer=$(job boom -H 'X-Request-Timeout: 5000')
    case $answer in
        "500 "*'"kind":"internal"'*StackOverflowError*) ;;
        *) fail "a provider throwing an Error answered '$answer' (attempt $attempt), expected 500 internal at once" ;;
    esac
done
pass "a provider throwing an Error: 500 internal, every time (its worker survives)"
healthy "a provider throwing an Error"

drop "$tmp/jars/hang.jar" hang.jar
until_ok 15 "hang on /caps" caps_has '"capabilities":{.*"hang":{'
answer=$(job hang -H 'X-Request-Timeout: 1000')
case $answer in
    504*) pass "a provider that hangs: 504 at the deadline" ;;
    *) fail "a hanging provider answered '$answer', expected 504" ;;
esac
until_ok 30 "/caps to say the hanging provider is stuck" caps_has '"id":"hang"[^}]*"status":"\(degraded\|unavailable\)"'
pass "/caps: $(curl -s "$base/caps" | grep -o '{"id":"hang"[^}]*"reason":"[^"]*"' | head -n 1)"
healthy "a provider that hangs"

drop "$tmp/jars/kernel-reader.jar" kernel-reader.jar
until_ok 15 "kernel-reader on /caps" caps_has '{"name":"kernel-reader"'
entry=$(plugin_entry kernel-reader)
case $entry in
    *'"status":"failed"'*'reads com.fasterxml.jackson.databind'*'bundle com.fasterxml.jackson.databind'*) pass "a plugin reading the kernel's Jackson: $entry" ;;
    *) fail "a plugin reading the kernel's Jackson is listed as $entry" ;;
esac
healthy "a plugin reading a kernel module"

mkdir -p "$tmp/with-spi"
cp "$tmp/jars/wordcount-v1.jar" "$tmp/with-spi/with-spi.jar"
cp "$spi" "$tmp/with-spi/capfabric-spi.jar"
cp -r "$tmp/with-spi" "$home/plugins/.with-spi.part"
mv "$home/plugins/.with-spi.part" "$home/plugins/with-spi"
until_ok 15 "with-spi on /caps" caps_has '{"name":"with-spi"'
entry=$(plugin_entry with-spi)
case $entry in
    *'"status":"failed"'*'bundles its own capfabric-spi'*provided*) pass "a plugin bundling the SPI: $entry" ;;
    *) fail "a plugin bundling the SPI is listed as $entry" ;;
esac
healthy "a plugin bundling the SPI"

printf 'PK\003\004 not a zip at all' >"$tmp/corrupt.jar"
drop "$tmp/corrupt.jar" corrupt.jar
until_ok 15 "corrupt on /caps" caps_has '{"name":"corrupt"'
entry=$(plugin_entry corrupt)
case $entry in
    *'"status":"failed"'*"$home/plugins/corrupt.jar"*) pass "a corrupt jar: $entry" ;;
    *) fail "a corrupt jar is listed as $entry" ;;
esac
healthy "a corrupt jar"

metrics=$(curl -s "$base/metrics")
echo "$metrics" | grep -q '^capfabric_plugins_failed 3.0' || fail "capfabric_plugins_failed is not 3: $(echo "$metrics" | grep plugins_failed)"
pass "capfabric_plugins_failed 3"

kill -TERM "$node_pid"
status=0
wait "$node_pid" || status=$?
node_pid=""
[ "$status" -eq 143 ] || fail "after SIGTERM the node exited with status $status, expected 143"
echo "plugin-author: all checks passed"
