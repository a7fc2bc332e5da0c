package dev.kdumpbridge.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The table both sources build (the ELF path is covered through {@link VmlinuxTest}). */
class SymbolsTest {
    private static final long TEXT = 0xffffffff81000000L;

    private static Symbols.Builder builder() {
        Symbols.Builder b = new Symbols.Builder(2);
        b.add("_text", TEXT, 0, Symbol.Kind.TEXT, true, 3);
        b.add("startup_64", TEXT, 0x40, Symbol.Kind.TEXT, true, 1);
        b.add("helper", TEXT + 0x100, 0, Symbol.Kind.TEXT, false, 0);
        b.add("helper", TEXT + 0x200, 0, Symbol.Kind.TEXT, false, 0);
        b.add("runqueues", 0x2a000, 0, Symbol.Kind.PER_CPU, true, 0);
        b.add("_end", TEXT + 0x1000, 0, Symbol.Kind.DATA, true, 0);
        return b;
    }

    @Test
    void growsPastItsExpectedSizeAndIndexesEveryName() {
        Symbols s = builder().build(TEXT, TEXT + 0x1000);
        assertEquals(6, s.size());
        assertEquals(List.of(TEXT + 0x100, TEXT + 0x200), s.lookupAll("helper").stream().map(Symbol::address).toList());
        assertEquals(Optional.empty(), s.lookup("nothing"));
    }

    @Test
    void ranksChooseAmongSymbolsAtOneAddressAndSizelessOnesStillCover() {
        Symbols s = builder().build(TEXT, TEXT + 0x1000).withKaslrOffset(0x200000);
        assertEquals("startup_64+0x0/0x40", s.at(TEXT + 0x200000).orElseThrow().toString());
        assertEquals("helper+0xff", s.at(TEXT + 0x200000 + 0x1ff).orElseThrow().toString());
        assertEquals(0x2a000, s.address("runqueues").getAsLong());
        assertEquals(Optional.empty(), s.at(TEXT + 0x200000 + 0x1001));
    }

    @Test
    void refusesAnImageWiderThanTheKeysHold() {
        assertThrows(IllegalArgumentException.class, () -> builder().build(TEXT, TEXT + Symbols.MAX_IMAGE_SPAN));
    }
}
