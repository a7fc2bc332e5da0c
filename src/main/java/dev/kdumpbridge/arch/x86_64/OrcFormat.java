package dev.kdumpbridge.arch.x86_64;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the flags word of a 6-byte {@code struct orc_entry} is laid out: it changed in 4.19 (end
 * bit), 6.3 (signal bit) and 6.4 (wider type, end bit gone, types renumbered), reference 06 §2.
 * Registers are numbered alike in all of them up to 7.0.
 */
public enum OrcFormat {
    /** 4.14 to 4.18: sp_reg, bp_reg, 2-bit type (CALL 0, REGS 1, REGS_IRET 2). */
    V4_14(false, false, 2),
    /** 4.19 to 6.2: as before plus the end bit (bit 10). */
    V4_19(false, true, 2),
    /** 6.3: signal bit 10, end bit 11. */
    V6_3(true, true, 2),
    /** 6.4 and later: 3-bit type with UNDEFINED 0, END_OF_STACK 1, CALL 2, REGS 3, REGS_PARTIAL 4; signal bit 11. */
    V6_4(true, false, 3);

    private static final Pattern RELEASE = Pattern.compile("^(\\d+)\\.(\\d+)");
    /** Size of one {@code struct orc_entry}. */
    public static final int ENTRY_SIZE = 6;

    private final boolean hasSignal;
    private final boolean hasEnd;
    private final int typeBits;

    OrcFormat(boolean hasSignal, boolean hasEnd, int typeBits) {
        this.hasSignal = hasSignal;
        this.hasEnd = hasEnd;
        this.typeBits = typeBits;
    }

    /**
     * The format of a kernel release ("6.1.0-28-cloud-amd64"); empty before 4.14, which had no
     * ORC. Distributions backport, so {@link OrcTable} checks the choice against the kernel's own
     * {@code orc_fp_entry} where it has one.
     */
    public static Optional<OrcFormat> forRelease(String release) {
        Matcher version = RELEASE.matcher(release);
        if (!version.find()) {
            return Optional.empty();
        }
        int code = Integer.parseInt(version.group(1)) * 1000 + Integer.parseInt(version.group(2));
        if (code < 4014) {
            return Optional.empty();
        }
        return Optional.of(code < 4019 ? V4_14 : code < 6003 ? V4_19 : code < 6004 ? V6_3 : V6_4);
    }

    /** Decodes one entry from its three little-endian 16-bit words. */
    public OrcEntry decode(short spOffset, short bpOffset, short flags) {
        int bits = flags & 0xffff;
        int rawType = bits >>> 8 & ((1 << typeBits) - 1);
        int next = 8 + typeBits;
        boolean signal = hasSignal && (bits >>> next++ & 1) != 0;
        boolean end = hasEnd && (bits >>> next & 1) != 0;
        OrcEntry.Register sp = OrcEntry.Register.of(bits & 0xf);
        return new OrcEntry(spOffset, bpOffset, sp, OrcEntry.Register.of(bits >>> 4 & 0xf), type(rawType, sp),
            signal, end);
    }

    private OrcEntry.Type type(int raw, OrcEntry.Register sp) {
        if (this == V6_4) {
            return switch (raw) {
                case 1 -> OrcEntry.Type.END_OF_STACK;
                case 2 -> OrcEntry.Type.CALL;
                case 3 -> OrcEntry.Type.REGS;
                case 4 -> OrcEntry.Type.REGS_PARTIAL;
                default -> OrcEntry.Type.UNDEFINED;
            };
        }
        if (sp == OrcEntry.Register.UNDEFINED) {
            return OrcEntry.Type.UNDEFINED;
        }
        return switch (raw) {
            case 0 -> OrcEntry.Type.CALL;
            case 1 -> OrcEntry.Type.REGS;
            case 2 -> OrcEntry.Type.REGS_PARTIAL;
            default -> OrcEntry.Type.UNDEFINED;
        };
    }

    /** Before 6.3 the signal flag is implied: set after a pt_regs frame, clear after a call. */
    boolean storesSignal() {
        return hasSignal;
    }
}
