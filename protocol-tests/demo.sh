#!/usr/bin/env bash
# From a clean clone to a gdb server on a real kernel crash dump: builds the jar, builds the
# demo dump if it is not cached yet (a real kexec/kdump crash of Debian's 6.1 kernel under QEMU,
# about two minutes the first time), then serves it. Extra arguments go to `kdump-bridge serve`.
# Needs root on a fresh Debian 12 machine: it apt-get installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source protocol-tests/fixtures/lib.sh

need_packages openjdk-17-jdk-headless maven
log "building target/kdump-bridge.jar"
mvn -B -ntp -q -Dstyle.color=never -DskipTests package
bash protocol-tests/fixtures/build-x86_64.sh kdump

dump=$FIXTURES/x86_64/kdump/kdump-zlib-d31
vmlinux=$FIXTURES/x86_64/kernel/vmlinux
log "serving $dump"
exec java -jar target/kdump-bridge.jar serve "$dump" --vmlinux "$vmlinux" "$@"
