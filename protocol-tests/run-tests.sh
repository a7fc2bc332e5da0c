#!/usr/bin/env bash
# The whole test suite, as README.md and .ci/run run it: unit tests (no fixture needed) while the
# real-dump fixtures build in the background, then the integration tests on those dumps.
# Needs root on a fresh Debian 12 machine: it apt-get installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source protocol-tests/fixtures/lib.sh

# gdb, gdb-multiarch (arm64) and lldb are the real clients of the protocol tests; binutils' objcopy makes the DWARF-less
# vmlinux they load when many run at once, and its aarch64 cousin decodes arm64 code; llvm's
# llvm-addr2line is the oracle of source lines.
need_packages openjdk-17-jdk-headless maven gdb gdb-multiarch lldb binutils binutils-aarch64-linux-gnu llvm

fixture_log=$(mktemp -t kdump-bridge-fixtures.XXXXXX)
log "building fixtures in the background (log: $fixture_log)"
{ bash protocol-tests/fixtures/build-x86_64.sh && bash protocol-tests/fixtures/gdb-scripts-x86_64.sh \
    && bash protocol-tests/fixtures/build-arm64.sh; } > "$fixture_log" 2>&1 &
fixtures=$!

log "unit tests"
unit_status=0
mvn -B -ntp -Dstyle.color=never package || unit_status=$?

fixture_status=0
wait $fixtures || fixture_status=$?
cat "$fixture_log" >&2
[ $unit_status -eq 0 ] || die "unit tests failed"
log "the VS Code extension: type check, unit tests, .vsix with the jar"
bash vscode-extension/build.sh target/kdump-bridge.jar || die "the VS Code extension did not build"
[ $fixture_status -eq 0 ] || die "the fixture build failed (log above)"
bash protocol-tests/fixtures/convert-x86_64.sh target/kdump-bridge.jar \
    || die "the snappy fixture's crash/drgn cross-check failed"
# The jar runs inside a guest of the fixture kernel on its own /proc/kcore; LiveKcoreIT checks it.
bash protocol-tests/fixtures/live-x86_64.sh target/kdump-bridge.jar \
    || die "the live /proc/kcore run failed (see $FIXTURES/x86_64/live)"

log "integration tests on the real dumps in $FIXTURES"
KDUMP_BRIDGE_FIXTURES=$FIXTURES mvn -B -ntp -Dstyle.color=never -DskipUnitTests=true verify

log "DAP real-client tests (@vscode/debugadapter-testsupport) on every fixture"
KDUMP_BRIDGE_FIXTURES=$FIXTURES bash protocol-tests/dap/run.sh target/kdump-bridge.jar \
    || die "the DAP client tests failed"

log "the VS Code extension in a real VS Code (code-server and headless Chromium)"
KDUMP_BRIDGE_FIXTURES=$FIXTURES bash protocol-tests/vscode/run.sh target/kdump-bridge-0.1.0.vsix \
    || die "the VS Code test failed"
