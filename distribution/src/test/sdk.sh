#!/bin/sh
# Test of the plugin SDK in the tarball, run by the Maven build after the smoke test (skipped with it).
#
#   sdk.sh <capfabric-*.tar.gz> <local Maven repository> [second local repository]
#
# From the unpacked tarball alone, as a plugin author would:
#   - sdk/ holds the SPI jar with its sources and Javadoc, install-spi.sh, README.md and example/ with
#     the Maven Wrapper;
#   - install-spi.sh installs the SPI into a fresh local repository (plugins Maven needs come from the
#     build's repositories, given as the tail);
#   - the example builds offline (-o) with its own ./mvnw against that repository and JDK 25;
#   - the jar it builds loads into a node started from the same tarball, under the name of its file,
#     and serves a job.
set -eu

tarball=$1
build_repo=$2
tail_repo=${3:-}
case $tail_repo in
    '${'*) tail_repo="" ;; # the property was not set
esac
repos=$build_repo${tail_repo:+,$tail_repo}

test_name=sdk
# shellcheck source=testlib.sh
. "$(dirname "$0")/testlib.sh"

# the entries of a jar, with whatever lists zips here
entries() {
    if command -v unzip >/dev/null 2>&1; then
        unzip -l "$1"
    else
        "${JAVA_HOME:+$JAVA_HOME/bin/}jar" tf "$1"
    fi
}

tar -xzf "$tarball" -C "$tmp"
home=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name 'capfabric-*' | head -n 1)
sdk="$home/sdk"
version=$(ls "$sdk" | sed -n 's/^capfabric-spi-\(.*\)-sources\.jar$/\1/p')
[ -n "$version" ] || fail "no capfabric-spi-*-sources.jar in sdk/"
for file in "capfabric-spi-$version.jar" "capfabric-spi-$version-sources.jar" "capfabric-spi-$version-javadoc.jar" \
    install-spi.sh README.md example/pom.xml example/mvnw example/.mvn/wrapper/maven-wrapper.properties \
    example/src/main/java/module-info.java; do
    [ -s "$sdk/$file" ] || fail "sdk/$file missing or empty"
done
[ -x "$sdk/example/mvnw" ] && [ -x "$sdk/install-spi.sh" ] || fail "sdk scripts are not executable"
entries "$sdk/capfabric-spi-$version-javadoc.jar" | grep -q 'ProviderFactory.html' || fail "no Javadoc of ProviderFactory"
entries "$sdk/capfabric-spi-$version-sources.jar" | grep -q 'dev/capfabric/spi/ProviderFactory.java' || fail "no source of ProviderFactory"
entries "$sdk/capfabric-spi-$version.jar" | grep -q 'module-info.class' || fail "the SPI jar is not the capfabric.spi module"
grep -q "JDK 25" "$sdk/README.md" || fail "sdk/README.md does not say JDK 25"
grep -q "<version>$version</version>\|<capfabric.version>$version</capfabric.version>" "$sdk/example/pom.xml" \
    || fail "example/pom.xml does not name SPI $version"
pass "sdk/ holds SPI $version with sources and Javadoc, the example project and the Maven Wrapper"

# the outer build's MAVEN_ARGS (its own local repository) must not leak into the author's builds
repo="$tmp/repo"
env -u MAVEN_ARGS "$sdk/install-spi.sh" -B -ntp -Dmaven.repo.local="$repo" -Dmaven.repo.local.tail="$repos" \
    >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log" >&2; fail "install-spi.sh failed"; }
for kind in "" -sources -javadoc; do
    [ -f "$repo/dev/capfabric/capfabric-spi/$version/capfabric-spi-$version$kind.jar" ] \
        || fail "install-spi.sh did not install capfabric-spi-$version$kind.jar"
done
# a POM naming capfabric's build parent (on no repository) would resolve only where capfabric itself was installed
pom="$repo/dev/capfabric/capfabric-spi/$version/capfabric-spi-$version.pom"
[ -f "$pom" ] || fail "install-spi.sh installed no POM for the SPI"
! grep -q '<parent>' "$pom" || fail "the installed SPI POM names a parent a plugin author cannot resolve: $(cat "$pom")"
pass "install-spi.sh installed the SPI, its sources and Javadoc into a local repository"

cp -R "$sdk/example" "$tmp/shout"
(cd "$tmp/shout" && env -u MAVEN_ARGS ./mvnw -o -B -ntp -q package -Dmaven.repo.local="$repo" -Dmaven.repo.local.tail="$repos") \
    >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log" >&2; fail "the example did not build offline with ./mvnw -o"; }
[ -f "$tmp/shout/target/shout.jar" ] || fail "the example built no target/shout.jar"
pass "the example builds offline with its Maven Wrapper against the installed SPI"

: >"$tmp/node.log"
env -i PATH="$PATH" HOME="$tmp" LANG=C.UTF-8 CAPFABRIC_PORT=0 CAPFABRIC_HOST=127.0.0.1 CAPFABRIC_NODE_ID=sdk \
    CAPFABRIC_PLUGINS_DIR="$tmp/plugins" CAPFABRIC_WORK_DIR="$tmp/work" CAPFABRIC_PLUGINS_POLL__INTERVAL__MS=300 \
    "$home/bin/capfabric" >"$tmp/node.log" 2>&1 &
node_pid=$!
mkdir -p "$tmp/plugins"
await_port "$tmp/node.log"
base="http://127.0.0.1:$port"
cp "$tmp/shout/target/shout.jar" "$tmp/plugins/.shout.jar.part"
mv "$tmp/plugins/.shout.jar.part" "$tmp/plugins/shout.jar"
waited=0
until curl -s "$base/caps" | grep -q '"capabilities":{.*"shout":{'; do
    [ "$waited" -lt 600 ] || fail "the example plugin's capability did not appear within 60 s: $(curl -s "$base/caps")"
    sleep 0.1
    waited=$((waited + 1))
done
curl -s "$base/caps" | grep -q '{"name":"shout",' || fail "the plugin is not named after its file: $(curl -s "$base/caps")"
answer=$(curl -s -X POST "$base/v1/capability/shout" -H 'Content-Type: application/json' -d '{"text":"hi"}')
[ "$answer" = '{"text":"HI"}' ] || fail "the example plugin answered '$answer'"
pass "the example plugin loads into a node as 'shout' and serves a job"
kill -TERM "$node_pid"
wait "$node_pid" || true
node_pid=""
