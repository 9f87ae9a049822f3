#!/bin/sh
# Compares the JDK modules of a built installation's runtime with what jdeps finds the kernel
# (lib/) and each plugin (plugins/<name>/) using. On demand, with a JDK 25 on JAVA_HOME or PATH:
#
#   distribution/src/build/check-runtime-modules.sh distribution/target/capfabric-<version>
#
# Prints the modules each part needs; exits 1 when the runtime lacks one. jdeps sees static
# references only: reflection and ServiceLoader uses are covered by the smoke test's real run.
set -eu

installation=${1:?usage: check-runtime-modules.sh <installation folder>}
jdeps=${JAVA_HOME:+$JAVA_HOME/bin/}jdeps

runtime_modules=$(sed -n 's/^MODULES="\(.*\)"$/\1/p' "$installation/runtime/release")
[ -n "$runtime_modules" ] || { echo "no MODULES in $installation/runtime/release" >&2; exit 2; }

# The union of two jdeps views: as modules (descriptors honoured, requires static left out) and as
# plain jars (every static reference, which is what automatic modules such as FreeTTS make).
needed() { # <module path> <jar>...
    path=$1
    shift
    {
        "$jdeps" --ignore-missing-deps --multi-release 25 --print-module-deps \
            --module-path "$path" --add-modules ALL-MODULE-PATH 2>/dev/null | tail -n 1
        "$jdeps" --ignore-missing-deps --multi-release 25 --print-module-deps --module-path "$path" "$@" 2>/dev/null \
            | tail -n 1
    } | tr ',' '\n' | grep -E '^(java|jdk)\.' | sort -u | tr '\n' ' '
}

missing=""
report() { # <part> <modules>
    echo "$1: $2"
    for module in $2; do
        case " $runtime_modules " in
            *" $module "*) ;;
            *) missing="$missing $module($1)" ;;
        esac
    done
}

report "lib" "$(needed "$installation/lib" "$installation"/lib/*.jar)"
for plugin in "$installation"/plugins/*/; do
    name=$(basename "$plugin")
    report "plugins/$name" "$(needed "$installation/lib:$plugin" "$plugin"*.jar)"
done
echo "runtime: $runtime_modules"

if [ -n "$missing" ]; then
    echo "MISSING from the runtime:$missing" >&2
    exit 1
fi
echo "the runtime has every module jdeps finds"
