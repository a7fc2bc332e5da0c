#!/usr/bin/env bash
# The DAP real-client tests: @vscode/debugadapter-testsupport under node --test, against
# `kdump-bridge serve --dap-port` on every x86_64 fixture and `dap --stdio` on one.
# usage: protocol-tests/dap/run.sh JAR   (KDUMP_BRIDGE_FIXTURES: the fixture cache)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../fixtures/lib.sh"
jar=$(realpath "${1:?usage: run.sh JAR}")

npm_modules "$here" dap-tests

cd "$here"
JAR=$jar KDUMP_BRIDGE_FIXTURES=${KDUMP_BRIDGE_FIXTURES:-$FIXTURES} node --test --test-concurrency=1 dap.test.mjs
