"""drgn's half of dump-bench.sh: the work DumpBenchmark does, through drgn 0.0.31 (libkdumpfile
for kdump-compressed files, drgn's own reader for ELF), timed inside this script so that Python's
and drgn's start-up are not counted.

    python3 drgn_reads.py OUT WORKLOAD

reads OUT/pages.txt, OUT/dumps.tsv and OUT/passes.txt (written by DumpBenchmark prepare) and
prints one line per dump: id, open ms, cold ops/s, warm ops/s, note. Taken as DumpBenchmark takes
its own: the median open, the best pass, over as many opens and passes.
"""
import os
import statistics
import sys
import time

import drgn

PAGE = 4096
# QEMU's kdump files carry no VMCOREINFO, and without it libkdumpfile cannot name the architecture
# (drgn fails with "kdump_get_string_attr(KDUMP_ATTR_ARCH_NAME): Key has no value"); every
# fixture is x86_64, so the platform is given for all of them alike.
X86_64 = drgn.Platform(drgn.Architecture.X86_64,
                       drgn.PlatformFlags.IS_64_BIT | drgn.PlatformFlags.IS_LITTLE_ENDIAN)


def program(path):
    prog = drgn.Program(X86_64)
    prog.set_core_dump(path)
    return prog


def drop_from_page_cache(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def phys(prog, pages):
    """Random 4 KiB physical reads (DumpBenchmark.PhysicalReads)."""
    for address in pages:
        prog.read(address, PAGE, True)
    return len(pages)


def virt(prog, pages, direct_map):
    """The same pages at their direct-map addresses (DumpBenchmark.VirtualReads)."""
    for address in pages:
        prog.read(direct_map + address, PAGE)
    return len(pages)


WORKLOADS = {"phys": lambda prog, pages, direct_map: phys(prog, pages), "virt": virt}


def rate(path, work, pages, direct_map, cold):
    """One pass on a fresh Program, so no libkdumpfile cache carries over between passes."""
    if cold:
        drop_from_page_cache(path)
    prog = program(path)
    start = time.perf_counter()
    ops = work(prog, pages, direct_map)
    return ops / (time.perf_counter() - start)


def open_ms(path):
    start = time.perf_counter()
    program(path)
    return (time.perf_counter() - start) * 1000


def main():
    out, workload = sys.argv[1], sys.argv[2]
    work = WORKLOADS[workload]
    with open(os.path.join(out, "pages.txt")) as f:
        pages = [int(line, 16) for line in f if line.strip()]
    with open(os.path.join(out, "dumps.tsv")) as f:
        dumps = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    with open(os.path.join(out, "passes.txt")) as f:
        opens, cold_passes, warm_passes = (int(n) for n in f.read().split())
    for dump_id, files, direct_map in dumps:
        direct_map = int(direct_map, 16)
        if "," in files:
            print(f"{dump_id}\t\t\t\tdrgn -c takes one file; a split set cannot be given", flush=True)
            continue
        try:
            work(program(files), pages, direct_map)  # warms drgn's code paths and the page cache alike
        except Exception as error:  # drgn cannot translate some dumps; say which and why
            print(f"{dump_id}\t\t\t\t{type(error).__name__}: {error}", flush=True)
            continue
        opened = statistics.median(open_ms(files) for _ in range(opens))
        cold = max(rate(files, work, pages, direct_map, True) for _ in range(cold_passes))
        warm = max(rate(files, work, pages, direct_map, False) for _ in range(warm_passes))
        print(f"{dump_id}\t{opened:.3f}\t{cold:.1f}\t{warm:.1f}\t", flush=True)
        print(f"drgn: measured {dump_id}", file=sys.stderr)


if __name__ == "__main__":
    main()
