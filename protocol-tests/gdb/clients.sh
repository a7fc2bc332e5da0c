#!/usr/bin/env bash
# Points the real gdb and, if installed, LLDB at a running kdump-bridge gdb server and prints
# what they show: threads, the stop thread's registers and stack, the monitor commands. For
# looking at a dump by hand; the automated checks are the *IT tests in src/test/java/.../gdb.
#
#   kdump-bridge serve DUMP --gdb-port 1234 &
#   protocol-tests/gdb/clients.sh 127.0.0.1:1234 [VMLINUX [KASLR_OFFSET]]
#
# With VMLINUX, gdb loads its symbols, shifted by KASLR_OFFSET (hex, default 0): gdb's qOffsets
# handling moves .text and .data only, so `add-symbol-file -o` is the reliable way (reference 08
# §8), with the x86_64 per-CPU section left at 0, where its offsets are linked.
set -euo pipefail

target=${1:?usage: clients.sh HOST:PORT [VMLINUX [KASLR_OFFSET]]}
vmlinux=${2:-}
offset=${3:-0}

gdb_args=(-nx -batch)
if [ -n "$vmlinux" ]; then
    gdb_args+=(-ex "add-symbol-file $vmlinux -o 0x${offset#0x} -s .data..percpu 0")
fi
echo "=== gdb"
gdb "${gdb_args[@]}" -ex "target remote $target" -ex 'info threads' -ex 'info registers' \
    -ex 'x/8gx $sp' -ex 'bt' -ex 'monitor help'

if command -v lldb > /dev/null; then
    echo "=== lldb"
    lldb --no-lldbinit --batch -o "gdb-remote $target" -o 'thread list' -o 'register read'
fi
