#!/usr/bin/env bash
# Builds the extension: type-checks it against @types/vscode, runs its unit tests, and packages
# it with the given server jar into target/kdump-bridge-VERSION.vsix. npm packages are installed
# once per package-lock.json into a cache outside the repository.
# usage: vscode-extension/build.sh JAR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../protocol-tests/fixtures/lib.sh"
jar=$(realpath "${1:?usage: build.sh JAR}")

npm_modules "$here" vscode-extension

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
