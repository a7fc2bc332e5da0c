#!/usr/bin/env bash
# The extension end to end in real VS Code: the .vsix installed into code-server, whose workbench
# headless Chromium opens; F5 on a launch.json for the kdump-compressed panic dump, then the Call
# Stack and Kernel Tasks views checked against crash's bt -a and ps. Leaves target/vscode-screenshot.png.
# code-server, Chromium and the npm packages are installed once into ~/.cache/kdump-bridge.
# usage: protocol-tests/vscode/run.sh VSIX   (KDUMP_BRIDGE_FIXTURES: the fixture cache)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../fixtures/lib.sh"
vsix=$(realpath "${1:?usage: run.sh VSIX}")
[ -f "$vsix" ] || die "no such .vsix: $vsix"
command -v java >/dev/null || die "java (17 or later) must be on the PATH: the extension runs its server with it"

code_server=$(bash "$here/setup-code-server.sh")

npm_modules "$here" vscode-test

cd "$here"
VSIX=$vsix CODE_SERVER=$code_server KDUMP_BRIDGE_FIXTURES=${KDUMP_BRIDGE_FIXTURES:-$FIXTURES} \
    node --test --test-concurrency=1 vscode.test.mjs
