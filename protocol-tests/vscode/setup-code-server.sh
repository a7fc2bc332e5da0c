#!/usr/bin/env bash
# Installs code-server (VS Code served to a browser) and Debian's Chromium for the extension's
# end-to-end test, once, into ~/.cache/kdump-bridge/code-server-VERSION, and prints the path of
# its code-server command. Every download comes from the npm registry or Debian: the steps of
# code-server's own postinstall.sh are done by hand, with --ignore-scripts, because some of its
# packages' install scripts fetch binaries from elsewhere (ripgrep, prebuilt native modules,
# node headers); Debian's ripgrep and local node-gyp builds stand in for them.
# usage: protocol-tests/vscode/setup-code-server.sh   (quiet but for its log lines on stderr)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../fixtures/lib.sh"

VERSION=4.100.3
cache="$HOME/.cache/kdump-bridge"
dir="$cache/code-server-$VERSION"
key=$(stage_key "$here/setup-code-server.sh")

command -v npm >/dev/null || die "npm is missing: code-server $VERSION needs Node.js 20 with npm"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" = 20 ] || die "code-server $VERSION needs Node.js 20, this is $(node --version)"
# ripgrep for VS Code's search; the -dev packages and the compiler for the native modules.
need_packages chromium ripgrep build-essential python3 pkg-config \
    libkrb5-dev libsecret-1-dev libx11-dev libxkbfile-dev

if ! stage_done "$dir" "$key"; then
    log "installing code-server $VERSION into $dir (a few minutes, once)"
    rm -rf "$dir" "$dir.partial"
    mkdir -p "$dir.partial"
    cd "$dir.partial"
    # node-gyp builds against the headers of the node that runs it, not ones it would download.
    if [ -f /usr/include/node/node.h ] && [ "$(command -v node)" = /usr/bin/node ]; then
        export npm_config_nodedir=/usr
    fi
    export npm_config_yes=true npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
    npm install --ignore-scripts --no-save "code-server@$VERSION" >&2
    top="$dir.partial"
    vscode="$top/node_modules/code-server/lib/vscode"

    # What postinstall.sh does, step by step.
    (cd "$vscode" && npm install --ignore-scripts --omit=dev >&2)
    mkdir -p "$vscode/node_modules/@vscode/ripgrep/bin"
    cp /usr/bin/rg "$vscode/node_modules/@vscode/ripgrep/bin/rg"
    # The native modules VS Code's server loads on Linux; kerberos falls back to node-gyp when
    # prebuild-install cannot download.
    (cd "$vscode" && npm rebuild --foreground-scripts @vscode/spdlog native-watchdog node-pty kerberos @vscode/deviceid >&2)
    ln -sfn node_modules "$vscode/node_modules.asar"
    ln -sfn code-linux.sh "$vscode/bin/remote-cli/code-server"
    ln -sfn browser-linux.sh "$vscode/bin/helpers/browser.sh"
    (cd "$vscode/extensions" && npm install --ignore-scripts --omit=dev >&2)
    # code-server's own password hashing (loaded at start even with --auth none).
    (cd "$top" && npm rebuild --foreground-scripts argon2 >&2)

    for module in "$vscode"/node_modules/{@vscode/spdlog,native-watchdog,node-pty,kerberos}/build/Release \
                  "$top"/node_modules/argon2/lib/binding; do
        [ -n "$(find "$module" -name '*.node' 2>/dev/null | head -1)" ] || die "no native module built in $module"
    done
    cd "$cache"
    mv "$dir.partial" "$dir"
    mark_stage_done "$dir" "$key"
    log "code-server $VERSION installed"
fi
echo "$dir/node_modules/code-server/out/node/entry.js"
