package dev.kdumpbridge.arch;

import dev.kdumpbridge.memory.KernelMemory;
import java.util.List;
import java.util.Map;

/** How one architecture's kernel mapped its memory, worked out from a dump. */
public interface Paging {

    /** The kernel's memory, read through its page tables. */
    KernelMemory memory();

    /**
     * What was found and where it came from, for {@code info}: label to value, in order
     * ({@code PAGE TABLES}, {@code DIRECT MAP}, ...).
     */
    Map<String, String> facts();

    /** What looked wrong on the way, without stopping the translation. */
    List<String> warnings();
}
