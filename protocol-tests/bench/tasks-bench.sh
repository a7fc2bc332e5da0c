#!/usr/bin/env bash
# The kernel model's benchmark (design.md, tier "bench"): from a cold start to the full task list,
# and to every task's backtrace, through kdump-bridge, crash 8.0.6 and drgn 0.0.31 on the same
# dumps. Each is a fresh process, timed wall-clock, median of RUNS runs (default 3). Prints a
# table with ratios; it measures, no number makes it fail.
#
#   task list:  kdump-bridge ps      | crash: ps      | drgn: for_each_task + idle tasks
#   backtraces: kdump-bridge bt --all (our ORC unwinder; with the vmlinux, and from the dump alone)
#               and gdb 'thread apply all bt' against kdump-bridge serve
#               | crash: foreach bt  | drgn: stack_trace of every task
#
# Needs the fixtures (protocol-tests/fixtures/build-x86_64.sh), the jar (mvn package) and root,
# for the oracle chroot. JAR overrides the jar's path.
set -euo pipefail
cd "$(dirname "$0")/../.."
source protocol-tests/fixtures/lib.sh

X=$FIXTURES/x86_64
VMLINUX=$X/kernel/vmlinux
JAR=${JAR:-$PWD/target/kdump-bridge.jar}
RUNS=${RUNS:-3}
DUMPS=${DUMPS:-kdump-elf kdump-zlib-d31 kdump-zstd-d31}
[ -f "$JAR" ] || die "no $JAR: run mvn package first"
out=$FIXTURES/bench
mkdir -p "$out"
cp protocol-tests/bench/drgn_task_list.py "$out/"

# Median wall-clock seconds of RUNS runs of a command, whose output is discarded.
median() {
    local times=()
    for _ in $(seq "$RUNS"); do
        local start end
        start=$(date +%s.%N)
        "$@" > /dev/null 2>&1 || die "failed: $*"
        end=$(date +%s.%N)
        times+=("$(echo "$end - $start" | bc)")
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}

files_of() { awk -F'\t' -v id="$1" '$1 == id { print $2 }' "$X/manifest.tsv" | tr ',' '\n' | sed "s|^|$X/|" | tr '\n' ' '; }

crash_run() { local dump=$1 command=$2; printf '%s\nquit\n' "$command" | in_oracle_root crash -s "$VMLINUX" $dump; }
drgn_run() { in_oracle_root drgn -q -s "$VMLINUX" -c $1 "$out/drgn_task_list.py" "$2"; }
ours_ps() { java -jar "$JAR" ps $1 --vmlinux "$VMLINUX"; }
ours_bt_all() { java -jar "$JAR" bt --all $1 --vmlinux "$VMLINUX"; }
ours_bt_all_alone() { java -jar "$JAR" bt --all $1; }

# Serves the dump, attaches gdb, runs 'thread apply all bt', and stops the server.
ours_gdb_bt() {
    local log port server
    log=$(mktemp)
    java -jar "$JAR" serve $1 --vmlinux "$VMLINUX" --gdb-port 0 > "$log" 2>/dev/null &
    server=$!
    for _ in $(seq 200); do grep -q '^listening' "$log" && break; sleep 0.05; done
    port=$(sed -n 's/^listening gdb=.*:\([0-9]*\)$/\1/p' "$log")
    local offset
    offset=$(sed -n "s/.* -o \(0x[0-9a-f]*\) .*/\1/p" "$log")
    gdb -nx -batch -ex "add-symbol-file $VMLINUX -o $offset -s .data..percpu 0" -ex "target remote 127.0.0.1:$port" \
        -ex 'thread apply all bt' > /dev/null 2>&1
    kill "$server"; wait "$server" 2>/dev/null || true
    rm -f "$log"
}

printf '%-16s %-13s %10s %10s %10s %12s %12s\n' dump work kdump-bridge crash drgn "ours/crash" "ours/drgn"
for id in $DUMPS; do
    dump=$(files_of "$id")
    [ -n "$dump" ] || die "no fixture $id in $X/manifest.tsv"
    ours=$(median ours_ps "$dump"); crash=$(median crash_run "$dump" ps); drgn=$(median drgn_run "$dump" list)
    printf '%-16s %-13s %10.2f %10.2f %10.2f %12.2f %12.2f\n' "$id" "task list" "$ours" "$crash" "$drgn" \
        "$(echo "$ours / $crash" | bc -l)" "$(echo "$ours / $drgn" | bc -l)"
    crash=$(median crash_run "$dump" 'foreach bt'); drgn=$(median drgn_run "$dump" bt)
    for work in bt_all bt_all_alone gdb_bt; do
        ours=$(median "ours_$work" "$dump")
        printf '%-16s %-13s %10.2f %10.2f %10.2f %12.2f %12.2f\n' "$id" "$work" "$ours" "$crash" "$drgn" \
            "$(echo "$ours / $crash" | bc -l)" "$(echo "$ours / $drgn" | bc -l)"
    done
done
