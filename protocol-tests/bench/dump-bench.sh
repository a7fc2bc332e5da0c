#!/usr/bin/env bash
# The dump and memory layers' benchmark (design.md, tier "bench"): the same random 4 KiB physical
# reads, on the same pages, through kdump-bridge and through drgn 0.0.31 (libkdumpfile) on every
# fixture dump, with a cold and a warm page cache; then the codec alone on those pages, the open
# time of a sparse 64 GiB dump, and the same pages read by kernel-virtual address. Prints one table of ratios. It measures; no number makes it fail.
#
# Needs the fixtures (protocol-tests/fixtures/build-x86_64.sh) and root, for the oracle chroot.
# BUILD_DIR sets Maven's build directory (default target/), so it can run beside other builds.
set -euo pipefail
cd "$(dirname "$0")/../.."
source protocol-tests/fixtures/lib.sh

build=${BUILD_DIR:-$PWD/target}
# Inside the fixture cache, which the chroot sees at the same path.
out=$FIXTURES/bench
mkdir -p "$out"

log "compiling the benchmark"
mvn -B -ntp -q -DbuildDirectory="$build" test-compile \
    org.apache.maven.plugins:maven-dependency-plugin:3.9.0:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$out/classpath.txt" >&2
bench() {
    java -cp "$build/test-classes:$build/classes:$(cat "$out/classpath.txt")" \
        dev.kdumpbridge.bench.DumpBenchmark "$1" "$FIXTURES" "$out"
}

log "picking the pages"
bench prepare
log "drgn 0.0.31"
cp protocol-tests/bench/drgn_reads.py "$out/"
in_oracle_root python3 "$out/drgn_reads.py" "$out" phys > "$out/drgn-phys.tsv"
in_oracle_root python3 "$out/drgn_reads.py" "$out" virt > "$out/drgn-virt.tsv"
log "kdump-bridge"
bench run | tee "$out/table.txt"
