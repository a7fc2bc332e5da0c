#!/usr/bin/env bash
# Builds the extension: type-checks it against @types/vscode, runs its unit tests, and packages
# it with the given server jar into target/kdump-bridge-VERSION.vsix. npm packages are installed
# once per package-lock.json into a cache outside the repository.
# usage: vscode-extension/build.sh JAR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../protocol-tests/fixtures/lib.sh"
jar=$(realpath "${1:?usage: build.sh JAR}")
# Machines with NodeSource's nodejs (which carries npm) must not get Debian's npm on top.
command -v npm >/dev/null || need_packages nodejs npm

lock_hash=$(sha256sum "$here/package-lock.json" | cut -c1-16)
modules="$HOME/.cache/kdump-bridge/npm/vscode-extension-$lock_hash"
if [ ! -d "$modules/node_modules" ]; then
    log "installing the extension's npm packages into $modules"
    mkdir -p "$modules"
    cp "$here/package.json" "$here/package-lock.json" "$modules/"
    (cd "$modules" && npm ci --ignore-scripts --no-audit --no-fund)
fi
rm -rf "$here/node_modules"
ln -s "$modules/node_modules" "$here/node_modules"

cd "$here"
rm -rf out server
node_modules/.bin/tsc -p .
node --test out/test/
mkdir -p server
cp "$jar" server/kdump-bridge.jar
version=$(node -p 'require("./package.json").version')
mkdir -p ../target
node_modules/.bin/vsce package --no-dependencies --allow-missing-repository --skip-license \
    -o "../target/kdump-bridge-$version.vsix"
log "built target/kdump-bridge-$version.vsix"
