package dev.kdumpbridge.dump;

import java.nio.charset.StandardCharsets;

/**
 * Where the fields of a kdump-compressed file are, for an LP64 producer (reference 01 §1–5;
 * makedumpfile {@code diskdump_mod.h}). One table for {@link KdumpPart}, which reads them, and
 * {@link KdumpWriter}, which writes them, so the two cannot drift apart.
 */
final class KdumpLayout {
    static final byte[] SIGNATURE = "KDUMP   ".getBytes(StandardCharsets.US_ASCII);
    static final byte[] LEGACY_SIGNATURE = "DISKDUMP".getBytes(StandardCharsets.US_ASCII);

    /** The layout makedumpfile and QEMU write, and the newest one we know. */
    static final int HEADER_VERSION = 6;

    // struct disk_dump_header, at file offset 0.
    /** sizeof(struct disk_dump_header) on LP64, without the unused tasks[] array. */
    static final int MAIN_HEADER_SIZE = 464;
    static final int MAIN_VERSION = 8;
    /** Six NUL-padded fields of {@code struct new_utsname}: sysname ... domainname. */
    static final int MAIN_UTSNAME = 12;
    static final int UTS_FIELD = 65;
    static final int MAIN_TIMESTAMP_SEC = 408;
    static final int MAIN_TIMESTAMP_USEC = 416;
    static final int MAIN_STATUS = 424;
    static final int MAIN_BLOCK_SIZE = 428;
    static final int MAIN_SUB_HDR_SIZE = 432;
    static final int MAIN_BITMAP_BLOCKS = 436;
    /** 32-bit copy of max_mapnr; version 6 keeps the real value in {@link #SUB_MAX_MAPNR_64}. */
    static final int MAIN_MAX_MAPNR = 440;
    static final int MAIN_NR_CPUS = 460;

    // struct kdump_sub_header, at file offset block_size.
    /** sizeof(struct kdump_sub_header) on LP64; makedumpfile puts the copied notes right after. */
    static final int SUB_HEADER_SIZE = 104;
    static final int SUB_PHYS_BASE = 0;
    static final int SUB_DUMP_LEVEL = 8;
    static final int SUB_SPLIT = 12;
    static final int SUB_START_PFN = 16;
    static final int SUB_END_PFN = 24;
    static final int SUB_OFFSET_VMCOREINFO = 32;
    static final int SUB_SIZE_VMCOREINFO = 40;
    static final int SUB_OFFSET_NOTE = 48;
    static final int SUB_SIZE_NOTE = 56;
    static final int SUB_OFFSET_ERASEINFO = 64;
    static final int SUB_SIZE_ERASEINFO = 72;
    static final int SUB_START_PFN_64 = 80;
    static final int SUB_END_PFN_64 = 88;
    static final int SUB_MAX_MAPNR_64 = 96;

    // struct page_desc, one per dumped page at (1 + sub_hdr_size + bitmap_blocks) * block_size.
    static final int DESCRIPTOR_SIZE = 24;
    static final int DESC_OFFSET = 0;
    static final int DESC_SIZE = 8;
    static final int DESC_FLAGS = 12;

    private KdumpLayout() {
    }

    /**
     * Bytes of one of the two bitmaps: one bit per PFN, rounded up to whole blocks (makedumpfile
     * {@code prepare_bitmap2_buffer}; crash {@code read_dump_header}).
     */
    static long bitmapBytes(long maxMapnr, int blockSize) {
        long bytes = (maxMapnr + 7) >>> 3;
        return (bytes + blockSize - 1) / blockSize * blockSize;
    }
}
