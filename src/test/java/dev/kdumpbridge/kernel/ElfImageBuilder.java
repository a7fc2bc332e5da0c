package dev.kdumpbridge.kernel;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a small ELF64 little-endian executable laid out like a vmlinux: sections with contents
 * at file offsets, a symbol table with its string table, and the section name table last. Enough
 * for {@link Vmlinux} to find everything it reads, nothing more.
 */
final class ElfImageBuilder {
    static final int SHT_PROGBITS = 1;
    static final int SHT_SYMTAB = 2;
    static final int SHT_STRTAB = 3;
    static final int SHT_NOTE = 7;
    static final int SHT_NOBITS = 8;
    static final long ALLOC = 0x2;
    static final long WRITE = 0x1;
    static final long EXEC = 0x4;
    static final int STT_NOTYPE = 0;
    static final int STT_OBJECT = 1;
    static final int STT_FUNC = 2;
    static final int STT_SECTION = 3;
    static final int STT_FILE = 4;
    static final int LOCAL = 0;
    static final int GLOBAL = 1;
    static final int WEAK = 2;
    static final int SHN_ABS = 0xfff1;

    private record Section(String name, int type, long flags, long address, byte[] bytes, long size, int link,
            long entrySize) {
    }

    private record Sym(String name, int type, int bind, int section, long value, long size) {
    }

    private final List<Section> sections = new ArrayList<>();
    private final List<Sym> symbols = new ArrayList<>();
    private int elfType = 2;
    private boolean withSymtab = true;

    /** Adds a section and returns its index (the null section is 0). */
    int section(String name, int type, long flags, long address, byte[] bytes) {
        sections.add(new Section(name, type, flags, address, bytes, bytes.length, 0, 0));
        return sections.size();
    }

    int nobits(String name, long flags, long address, long size) {
        sections.add(new Section(name, SHT_NOBITS, flags, address, new byte[0], size, 0, 0));
        return sections.size();
    }

    ElfImageBuilder symbol(String name, int type, int bind, int section, long value, long size) {
        symbols.add(new Sym(name, type, bind, section, value, size));
        return this;
    }

    ElfImageBuilder elfType(int type) {
        elfType = type;
        return this;
    }

    ElfImageBuilder stripped() {
        withSymtab = false;
        return this;
    }

    /** One ELF note, padded the way the linker writes {@code .notes}. */
    static byte[] note(String owner, int type, byte[] descriptor) {
        byte[] name = (owner + "\0").getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(12 + align4(name.length) + align4(descriptor.length))
                .order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(name.length).putInt(descriptor.length).putInt(type).put(name);
        b.position(12 + align4(name.length));
        b.put(descriptor);
        return b.array();
    }

    byte[] build() {
        List<Section> all = new ArrayList<>(sections);
        if (withSymtab) {
            ByteArrayOutputStream strtab = new ByteArrayOutputStream();
            strtab.write(0);
            ByteBuffer symtab = ByteBuffer.allocate(24 * (symbols.size() + 1)).order(ByteOrder.LITTLE_ENDIAN);
            symtab.position(24);
            for (Sym s : symbols) {
                int nameOff = strtab.size();
                strtab.writeBytes((s.name() + "\0").getBytes(StandardCharsets.ISO_8859_1));
                symtab.putInt(nameOff).put((byte) (s.bind() << 4 | s.type())).put((byte) 0)
                        .putShort((short) s.section()).putLong(s.value()).putLong(s.size());
            }
            int strIndex = all.size() + 2;
            all.add(new Section(".symtab", SHT_SYMTAB, 0, 0, symtab.array(), symtab.capacity(), strIndex, 24));
            all.add(new Section(".strtab", SHT_STRTAB, 0, 0, strtab.toByteArray(), strtab.size(), 0, 0));
        }
        ByteArrayOutputStream shstrtab = new ByteArrayOutputStream();
        shstrtab.write(0);
        int[] nameOffsets = new int[all.size() + 1];
        for (int i = 0; i < all.size(); i++) {
            nameOffsets[i] = shstrtab.size();
            shstrtab.writeBytes((all.get(i).name() + "\0").getBytes(StandardCharsets.ISO_8859_1));
        }
        nameOffsets[all.size()] = shstrtab.size();
        shstrtab.writeBytes(".shstrtab\0".getBytes(StandardCharsets.ISO_8859_1));
        all.add(new Section(".shstrtab", SHT_STRTAB, 0, 0, shstrtab.toByteArray(), shstrtab.size(), 0, 0));

        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[64]);
        long[] offsets = new long[all.size()];
        for (int i = 0; i < all.size(); i++) {
            while (body.size() % 8 != 0) {
                body.write(0);
            }
            offsets[i] = body.size();
            body.writeBytes(all.get(i).bytes());
        }
        while (body.size() % 8 != 0) {
            body.write(0);
        }
        long shoff = body.size();
        ByteBuffer headers = ByteBuffer.allocate(64 * (all.size() + 1)).order(ByteOrder.LITTLE_ENDIAN);
        headers.position(64);
        for (int i = 0; i < all.size(); i++) {
            Section s = all.get(i);
            headers.putInt(nameOffsets[i]).putInt(s.type()).putLong(s.flags()).putLong(s.address())
                    .putLong(offsets[i]).putLong(s.size()).putInt(s.link()).putInt(0).putLong(1)
                    .putLong(s.entrySize());
        }
        body.writeBytes(headers.array());
        byte[] file = body.toByteArray();
        ByteBuffer eh = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        eh.put(0, new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        eh.putShort(16, (short) elfType).putShort(18, (short) 62).putInt(20, 1).putLong(40, shoff)
                .putShort(52, (short) 64).putShort(58, (short) 64).putShort(60, (short) (all.size() + 1))
                .putShort(62, (short) all.size());
        return file;
    }

    private static int align4(int n) {
        return (n + 3) & ~3;
    }
}
