#!/usr/bin/env bash
# The DAP real-client tests: @vscode/debugadapter-testsupport under node --test, against
# `kdump-bridge serve --dap-port` on every x86_64 fixture and `dap --stdio` on one.
# usage: protocol-tests/dap/run.sh JAR   (KDUMP_BRIDGE_FIXTURES: the fixture cache)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../fixtures/lib.sh"
jar=$(realpath "${1:?usage: run.sh JAR}")
# Machines with NodeSource's nodejs (which carries npm) must not get Debian's npm on top.
command -v npm >/dev/null || need_packages nodejs npm

lock_hash=$(sha256sum "$here/package-lock.json" | cut -c1-16)
modules="$HOME/.cache/kdump-bridge/npm/dap-tests-$lock_hash"
if [ ! -d "$modules/node_modules" ]; then
    log "installing the DAP tests' npm packages into $modules"
    mkdir -p "$modules"
    cp "$here/package.json" "$here/package-lock.json" "$modules/"
    (cd "$modules" && npm ci --ignore-scripts --no-audit --no-fund)
fi
rm -rf "$here/node_modules"
ln -s "$modules/node_modules" "$here/node_modules"

cd "$here"
JAR=$jar KDUMP_BRIDGE_FIXTURES=${KDUMP_BRIDGE_FIXTURES:-$FIXTURES} node --test --test-concurrency=1 dap.test.mjs
