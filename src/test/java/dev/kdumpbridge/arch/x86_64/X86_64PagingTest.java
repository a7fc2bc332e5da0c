package dev.kdumpbridge.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Choosing a page-table root from QEMU's vCPU state when VMCOREINFO does not name one. */
class X86_64PagingTest {
    private static final long KERNEL_PGD = 0x2000000;
    private static final long USER_PGD = KERNEL_PGD + 0x1000;

    /** A kernel pgd with six kernel-half entries and, with PTI, its user copy sharing one of them. */
    private static SyntheticPageTables tables() {
        SyntheticPageTables tables = new SyntheticPageTables(4);
        for (int index : new int[] {273, 400, 468, 500, 508, 511}) {
            tables.setEntry(KERNEL_PGD, index, (0x3000000L + index * 0x1000L) | SyntheticPageTables.PRESENT_WRITABLE);
        }
        // cpu_entry_area's entry is copied; the kernel text slot gets PTI's own tables.
        tables.setEntry(USER_PGD, 508, tables.entry(KERNEL_PGD, 508));
        tables.setEntry(USER_PGD, 511, 0x5000000L | SyntheticPageTables.PRESENT_WRITABLE);
        return tables;
    }

    @Test
    void takesTheFirstVcpusCr3WithoutItsPcidBits() throws Exception {
        Optional<X86_64Paging.Sourced> root = X86_64Paging.rootFromCr3(List.of(KERNEL_PGD | 0x5), 0, tables());
        assertEquals(Optional.of(new X86_64Paging.Sourced(KERNEL_PGD, "CR3 of vCPU 0 (QEMU CPU state)")), root);
    }

    @Test
    void aVcpuInUserModeUnderPtiLeadsToTheKernelsPgd() throws Exception {
        Optional<X86_64Paging.Sourced> root = X86_64Paging.rootFromCr3(List.of(USER_PGD), 0, tables());
        assertEquals(Optional.of(new X86_64Paging.Sourced(KERNEL_PGD,
                "CR3 of vCPU 0 (QEMU CPU state), PTI user bit cleared")), root);
    }

    @Test
    void aPgdOnAnOddPageWithoutPtiIsKeptWhateverThePageBeforeHolds() throws Exception {
        SyntheticPageTables tables = tables();
        long pgd = 0x7001000;
        long before = 0x7000000;
        tables.setEntry(pgd, 300, 0x3100000L | SyntheticPageTables.PRESENT_WRITABLE);
        // Unrelated data before it that happens to look like many present entries.
        for (int index = 256; index < 512; index++) {
            tables.setEntry(before, index, 0x1234567L * index | 1);
        }
        assertEquals(Optional.of(new X86_64Paging.Sourced(pgd, "CR3 of vCPU 0 (QEMU CPU state)")),
                X86_64Paging.rootFromCr3(List.of(pgd), 0, tables));
    }

    @Test
    void vcpusWhosePgdMapsNoKernelAreSkipped() throws Exception {
        SyntheticPageTables tables = tables();
        long empty = 0x8000000;
        tables.setEntry(empty, 0, 0x1000 | SyntheticPageTables.PRESENT_WRITABLE);
        assertEquals(Optional.of(new X86_64Paging.Sourced(KERNEL_PGD, "CR3 of vCPU 1 (QEMU CPU state)")),
                X86_64Paging.rootFromCr3(List.of(empty, KERNEL_PGD), 0, tables));
        assertEquals(Optional.empty(), X86_64Paging.rootFromCr3(List.of(empty), 0, tables));
    }
}
