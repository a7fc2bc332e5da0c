package dev.kdumpbridge.dump;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class VmcoreInfoTest {
    private static final VmcoreInfo INFO = VmcoreInfo.parse((
            "OSRELEASE=6.1.0-18-amd64\n"
            + "SYMBOL(init_top_pgt)=ffffffffa3a0a000\n"
            + "NUMBER(phys_base)=436207616\n"
            + "NUMBER(kimage_voffset)=0xffff7fffc7a00000\n"
            + "NUMBER(PG_hugetlb)=-66\n"
            + "KERNELOFFSET=22000000\n"
            + "OFFSET(list_head.next)=0\n"
            + "BROKEN\n"
            + "OSRELEASE=second\n\0\0\0").getBytes(StandardCharsets.ISO_8859_1));

    @Test
    void keepsRawValuesInFileOrder() {
        assertEquals(List.of("OSRELEASE", "SYMBOL(init_top_pgt)", "NUMBER(phys_base)", "NUMBER(kimage_voffset)",
                "NUMBER(PG_hugetlb)", "KERNELOFFSET", "OFFSET(list_head.next)"), List.copyOf(INFO.entries().keySet()));
        assertEquals("6.1.0-18-amd64", INFO.get("OSRELEASE").orElseThrow(), "the first of a repeated key wins");
        assertTrue(INFO.text().endsWith("OSRELEASE=second\n"), "trailing NULs are dropped");
    }

    @Test
    void numbersFollowMakedumpfilesRules() {
        assertEquals(OptionalLong.of(436207616L), INFO.number("NUMBER(phys_base)"));
        assertEquals(OptionalLong.of(0xffff7fffc7a00000L), INFO.number("NUMBER(kimage_voffset)"));
        assertEquals(OptionalLong.of(-66), INFO.number("NUMBER(PG_hugetlb)"));
        assertEquals(OptionalLong.of(0), INFO.number("OFFSET(list_head.next)"));
        assertEquals(OptionalLong.empty(), INFO.number("OSRELEASE"));
        assertEquals(OptionalLong.empty(), INFO.number("missing"));
    }

    @Test
    void symbolsAndKernelOffsetAreAlwaysHex() {
        assertEquals(OptionalLong.of(0xffffffffa3a0a000L), INFO.symbol("init_top_pgt"));
        assertEquals(OptionalLong.of(0x22000000L), INFO.hex("KERNELOFFSET"));
    }
}
