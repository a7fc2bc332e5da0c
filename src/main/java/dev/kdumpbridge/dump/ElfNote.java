package dev.kdumpbridge.dump;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * One ELF note as the dump stores it: the owner name, the type and the raw descriptor. Its
 * meaning (register layouts, QEMU CPU state) belongs to the architecture layer, which knows the
 * structures; here it is only bytes in the dump's byte order.
 */
public final class ElfNote {
    /** {@code NT_PRSTATUS}: {@code struct elf_prstatus}, one per CPU that saved its registers. */
    public static final int NT_PRSTATUS = 1;
    /** {@code NT_PRFPREG}: floating-point registers (QEMU aarch64 dumps). */
    public static final int NT_PRFPREG = 2;
    /** {@code NT_PRPSINFO}: {@code struct elf_prpsinfo}; kcore writes {@code pr_fname "vmlinux"}. */
    public static final int NT_PRPSINFO = 3;
    /** {@code NT_TASKSTRUCT}: kcore copies the reader's own {@code task_struct} here. */
    public static final int NT_TASKSTRUCT = 4;
    /** {@code NT_VMCOREDD}: device dump blobs ({@code LINUX} owner). */
    public static final int NT_VMCOREDD = 0x700;

    public static final String CORE = "CORE";
    public static final String VMCOREINFO = "VMCOREINFO";
    /** QEMU's per-vCPU {@code QEMUCPUState} note (x86), type 0. */
    public static final String QEMU = "QEMU";

    private final String name;
    private final int type;
    private final byte[] descriptor;
    private final long fileOffset;
    private final ByteOrder order;

    /**
     * The notes of any ELF note section or segment, such as a vmlinux's {@code .notes}, read the
     * way a dump's notes are; a damaged note ends the list.
     *
     * @param notes  the note bytes from position 0, in the file's byte order
     * @param origin the file they come from, for messages
     */
    public static List<ElfNote> parse(ByteBuffer notes, String origin) {
        List<ElfNote> parsed = new ArrayList<>();
        Notes.parse(notes, 0, origin, parsed, new ArrayList<>());
        return parsed;
    }

    ElfNote(String name, int type, byte[] descriptor, long fileOffset, ByteOrder order) {
        this.name = name;
        this.type = type;
        this.descriptor = descriptor;
        this.fileOffset = fileOffset;
        this.order = order;
    }

    /** Owner name without its terminating NUL, e.g. {@code CORE}, {@code VMCOREINFO}, {@code QEMU}. */
    public String name() {
        return name;
    }

    /** {@code n_type}, an unsigned 32-bit value. */
    public int type() {
        return type;
    }

    public boolean is(String owner, int noteType) {
        return name.equals(owner) && type == noteType;
    }

    /** A copy of the descriptor bytes. */
    public byte[] descriptor() {
        return descriptor.clone();
    }

    /** The descriptor as a read-only buffer in the dump's byte order, without copying. */
    public ByteBuffer descriptorBuffer() {
        return ByteBuffer.wrap(descriptor).asReadOnlyBuffer().order(order);
    }

    public int descriptorSize() {
        return descriptor.length;
    }

    /** Offset of the descriptor in the dump file, to point a user at it with a hex dump. */
    public long fileOffset() {
        return fileOffset;
    }

    public ByteOrder byteOrder() {
        return order;
    }

    @Override
    public String toString() {
        return "ElfNote[" + name + ", type " + Integer.toUnsignedString(type) + ", "
                + descriptor.length + " bytes at offset " + fileOffset + "]";
    }
}
