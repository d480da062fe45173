#!/usr/bin/env bash
# Run by the release profile at verify, once per module:
#   check-artifacts.sh <artifactId> <target dir> <final name>
# Fails, naming what is missing, unless the module's jars are fit to publish:
#   percpu-native: the jar carries both native libraries and the FFM bridge
#                  (META-INF/versions/22), plus sources and javadoc jars;
#   percpu-core, percpu-netty, percpu-metrics: a named module, sources and javadoc jars.
# Other modules (the parent, the examples and benchmarks applications) are not checked.
set -euo pipefail
artifact="$1" target="$2" name="$3"

fail() {
    echo "release check FAILED for ${artifact}: $*" >&2
    exit 1
}

has_entry() { # <jar> <entry>
    python3 - "$1" "$2" <<'PY'
import sys, zipfile
sys.exit(0 if sys.argv[2] in zipfile.ZipFile(sys.argv[1]).namelist() else 1)
PY
}

require_jar() { # <file>
    [ -f "$1" ] || fail "$1 is missing"
}

case "${artifact}" in
    percpu-native)
        jar="${target}/${name}.jar"
        require_jar "${jar}"
        for entry in META-INF/native/linux-x86_64/libpercpu.so META-INF/native/linux-aarch_64/libpercpu.so \
                     META-INF/versions/22/dev/percpu/bridge/FfmStackCalls.class \
                     META-INF/versions/22/dev/percpu/bridge/FfmPrimitiveCalls.class module-info.class; do
            has_entry "${jar}" "${entry}" || fail "${jar} has no ${entry}"
        done
        ;;
    percpu-core|percpu-netty|percpu-metrics)
        jar="${target}/${name}.jar"
        require_jar "${jar}"
        has_entry "${jar}" module-info.class || fail "${jar} has no module-info.class"
        ;;
    *)
        echo "release check: ${artifact} is not published as a library, nothing to check"
        exit 0
        ;;
esac
require_jar "${target}/${name}-sources.jar"
require_jar "${target}/${name}-javadoc.jar"
has_entry "${target}/${name}-javadoc.jar" index.html || fail "${target}/${name}-javadoc.jar has no index.html"
echo "release check: ${artifact} OK (${jar} and its sources and javadoc jars)"
