package dev.kdumpbridge.kernel;

import dev.kdumpbridge.dump.ElfNote;
import dev.kdumpbridge.kernel.btf.Btf;
import dev.kdumpbridge.kernel.btf.BtfFormatException;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The kernel image a dump came from ({@code vmlinux}, usually the distribution's debug build):
 * its section headers, symbol table, BTF, build id and banner.
 *
 * <p>A debug vmlinux is about 600 MB, almost all of it DWARF. Opening reads the ELF header and
 * the section headers only; {@link #symbols()}, {@link #btf()} and the rest read their own
 * sections with positioned reads when first asked, and nothing here ever reads a
 * {@code .debug_*} section. Safe for concurrent use: positioned reads share no file position, and
 * the parsed tables are immutable once built.
 */
public final class Vmlinux implements Closeable {
    private static final int EHDR_SIZE = 64;
    private static final int SHDR_SIZE = 64;
    private static final int ELFCLASS64 = 2;
    private static final int ET_EXEC = 2;
    /** arm64, riscv and others link a relocatable kernel as a position-independent executable. */
    private static final int ET_DYN = 3;
    private static final int SHN_XINDEX = 0xffff;
    /**
     * A linked kernel has under a hundred output sections; a million headers would be 64 MiB, so
     * a count beyond that is a damaged header, not a kernel.
     */
    private static final long MAX_SECTIONS = 1L << 20;
    /**
     * Bound for one table read into memory (symbols, strings, BTF): an allyesconfig x86_64 build
     * has about 10 MB of each, so 256 MiB is far beyond any real kernel yet fits an array.
     */
    private static final long MAX_TABLE_BYTES = 256L << 20;
    /** {@code NT_GNU_BUILD_ID} from the linker's {@code --build-id}, owner {@code GNU}. */
    private static final int NT_GNU_BUILD_ID = 3;
    /**
     * {@code linux_banner} is one line ("Linux version ... \n"), about 200 bytes; a symbol size
     * beyond this is not the banner.
     */
    private static final int MAX_BANNER_BYTES = 1024;

    private final Path path;
    private final String name;
    private final FileChannel channel;
    private final ByteOrder order;
    private final int machine;
    private final long sectionHeaders;
    private final List<ElfSection> sections;
    private final Map<String, ElfSection> byName;
    private Symbols symbols;
    private Optional<Btf> btf;

    private Vmlinux(Path path, FileChannel channel, ByteOrder order, int machine, long sectionHeaders,
            List<ElfSection> sections) {
        this.path = path;
        this.sectionHeaders = sectionHeaders;
        this.name = path.toString();
        this.channel = channel;
        this.order = order;
        this.machine = machine;
        this.sections = List.copyOf(sections);
        Map<String, ElfSection> map = new LinkedHashMap<>();
        for (ElfSection s : sections) {
            map.putIfAbsent(s.name(), s);
        }
        this.byName = map;
    }

    /**
     * Opens a kernel image and reads its section headers.
     *
     * @throws VmlinuxFormatException when it is not a 64-bit ELF executable or its section
     *                                headers do not fit the file
     */
    public static Vmlinux open(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return read(path, channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static Vmlinux read(Path path, FileChannel channel) throws IOException {
        String file = path.toString();
        long fileSize = channel.size();
        if (fileSize < EHDR_SIZE) {
            throw new VmlinuxFormatException(file, 0, "expected a 64-byte ELF header, the file has "
                    + fileSize + " bytes");
        }
        ByteBuffer eh = read(channel, file, 0, EHDR_SIZE, ByteOrder.LITTLE_ENDIAN);
        if (eh.getInt(0) != 0x464c457f) {
            throw new VmlinuxFormatException(file, 0, "expected the ELF magic 7f 45 4c 46, found "
                    + hex(eh, 0, 4) + ": not a vmlinux (a bzImage or vmlinuz is compressed; use the"
                    + " uncompressed vmlinux, e.g. from the distribution's debug package)");
        }
        if (eh.get(4) != ELFCLASS64) {
            throw new VmlinuxFormatException(file, 4, "expected ELF class 2 (64-bit), found " + eh.get(4));
        }
        ByteOrder order = switch (eh.get(5)) {
            case 1 -> ByteOrder.LITTLE_ENDIAN;
            case 2 -> ByteOrder.BIG_ENDIAN;
            default -> throw new VmlinuxFormatException(file, 5, "expected ELF data encoding 1 or 2, found "
                    + eh.get(5));
        };
        eh.order(order);
        int type = Short.toUnsignedInt(eh.getShort(16));
        if (type != ET_EXEC && type != ET_DYN) {
            throw new VmlinuxFormatException(file, 16, "expected ELF type 2 (executable) or 3 (shared),"
                    + " found " + type + (type == 4 ? ": this is a core dump, not a kernel image" : ""));
        }
        int machine = Short.toUnsignedInt(eh.getShort(18));
        long shoff = eh.getLong(40);
        int shentsize = Short.toUnsignedInt(eh.getShort(58));
        long shnum = Short.toUnsignedInt(eh.getShort(60));
        int shstrndx = Short.toUnsignedInt(eh.getShort(62));
        if (shoff == 0) {
            throw new VmlinuxFormatException(file, 40, "no section headers (e_shoff is 0): a stripped"
                    + " image cannot give symbols or types");
        }
        if (shentsize != SHDR_SIZE) {
            throw new VmlinuxFormatException(file, 58, "expected section header size 64, found " + shentsize);
        }
        if (Long.compareUnsigned(shoff, fileSize - SHDR_SIZE) > 0) {
            throw new VmlinuxFormatException(file, 40, "section headers at " + Long.toUnsignedString(shoff)
                    + " lie beyond the end of the " + fileSize + "-byte file");
        }
        ByteBuffer first = read(channel, file, shoff, SHDR_SIZE, order);
        if (shnum == 0) {
            // Extended numbering (gABI): the real count is in section 0's sh_size.
            shnum = first.getLong(32);
        }
        if (shstrndx == SHN_XINDEX) {
            shstrndx = first.getInt(40);
        }
        if (Long.compareUnsigned(shnum, MAX_SECTIONS) > 0 || shnum * SHDR_SIZE > fileSize - shoff) {
            throw new VmlinuxFormatException(file, 60, Long.toUnsignedString(shnum) + " section headers at "
                    + shoff + " do not fit in the " + fileSize + "-byte file");
        }
        if (Integer.toUnsignedLong(shstrndx) >= shnum) {
            throw new VmlinuxFormatException(file, 62, "section name table index " + shstrndx
                    + " is not below the section count " + shnum);
        }
        ByteBuffer headers = read(channel, file, shoff, (int) shnum * SHDR_SIZE, order);
        List<RawSection> raw = new ArrayList<>();
        for (int i = 0; i < shnum; i++) {
            int at = i * SHDR_SIZE;
            RawSection h = new RawSection(Integer.toUnsignedLong(headers.getInt(at)), headers.getInt(at + 4),
                    headers.getLong(at + 8), headers.getLong(at + 16), headers.getLong(at + 24),
                    headers.getLong(at + 32), headers.getInt(at + 40), headers.getInt(at + 44),
                    headers.getLong(at + 56));
            if (h.type() != ElfSection.SHT_NOBITS && h.type() != 0
                    && (Long.compareUnsigned(h.offset(), fileSize) > 0
                        || Long.compareUnsigned(h.size(), fileSize - h.offset()) > 0)) {
                throw new VmlinuxFormatException(file, shoff + at + 24, "section " + i + " claims "
                        + Long.toUnsignedString(h.size()) + " bytes at offset " + Long.toUnsignedString(h.offset())
                        + ", beyond the end of the " + fileSize + "-byte file");
            }
            raw.add(h);
        }
        RawSection strings = raw.get(shstrndx);
        if (Long.compareUnsigned(strings.size(), MAX_TABLE_BYTES) > 0) {
            throw new VmlinuxFormatException(file, shoff + (long) shstrndx * SHDR_SIZE + 32,
                    "section name table of " + strings.size() + " bytes is larger than any kernel's");
        }
        ByteBuffer names = read(channel, file, strings.offset(), (int) strings.size(), order);
        List<ElfSection> sections = new ArrayList<>(raw.size());
        for (int i = 0; i < raw.size(); i++) {
            RawSection h = raw.get(i);
            if (h.nameOffset() >= names.limit() && i > 0) {
                throw new VmlinuxFormatException(file, shoff + (long) i * SHDR_SIZE, "section " + i
                        + " name offset " + h.nameOffset() + " is beyond the " + names.limit()
                        + "-byte name table");
            }
            String sectionName = i == 0 ? "" : cString(names, (int) h.nameOffset(), names.limit());
            sections.add(new ElfSection(i, sectionName, h.type(), h.flags(), h.address(), h.offset(), h.size(),
                    h.link(), h.info(), h.entrySize()));
        }
        return new Vmlinux(path, channel, order, machine, shoff, sections);
    }

    /** A section header before its name is looked up in the name table. */
    private record RawSection(long nameOffset, int type, long flags, long address, long offset, long size,
            int link, int info, long entrySize) {
    }

    public Path path() {
        return path;
    }

    public ByteOrder byteOrder() {
        return order;
    }

    /** {@code e_machine}: 62 for x86-64, 183 for AArch64. */
    public int machine() {
        return machine;
    }

    /** Every section header in file order; index 0 is the null section. */
    public List<ElfSection> sections() {
        return sections;
    }

    /** The first section of that name, e.g. {@code .BTF}. */
    public Optional<ElfSection> section(String sectionName) {
        return Optional.ofNullable(byName.get(sectionName));
    }

    /**
     * The ELF symbol table ({@code .symtab} with its string table), at link-time addresses: shift
     * it with {@link Symbols#withKaslrOffset}. Read on the first call, then kept.
     *
     * @throws VmlinuxFormatException when there is no {@code .symtab} (a stripped image) or it is
     *                                damaged
     */
    public synchronized Symbols symbols() throws IOException {
        if (symbols == null) {
            ElfSection symtab = sections.stream().filter(s -> s.type() == ElfSection.SHT_SYMTAB).findFirst()
                    .orElseThrow(() -> new VmlinuxFormatException(name, sectionHeaders, "no .symtab section: the image was"
                            + " stripped; use the unstripped vmlinux (distribution debug package)"));
            if (symtab.link() <= 0 || symtab.link() >= sections.size()
                    || sections.get(symtab.link()).type() != ElfSection.SHT_STRTAB) {
                throw new VmlinuxFormatException(name, headerOffset(symtab), "section " + symtab.name()
                        + " links to section " + symtab.link() + ", which is not a string table");
            }
            ElfSection strtab = sections.get(symtab.link());
            symbols = Symbols.fromElf(name, symtab, sectionBytes(symtab), sectionBytes(strtab), sections);
        }
        return symbols;
    }

    /**
     * The {@code .BTF} section parsed, or empty when the kernel was built without
     * {@code CONFIG_DEBUG_INFO_BTF}. Read on the first call, then kept.
     *
     * @throws BtfFormatException when the section is there but damaged
     */
    public synchronized Optional<Btf> btf() throws IOException {
        if (btf == null) {
            Optional<ElfSection> section = section(".BTF");
            btf = section.isPresent()
                    ? Optional.of(Btf.parse(sectionBytes(section.get()),
                            name + " section .BTF at file offset " + section.get().fileOffset()))
                    : Optional.empty();
        }
        return btf;
    }

    /**
     * The GNU build id (lowercase hex), which VMCOREINFO repeats as {@code BUILD-ID} on 5.9+
     * kernels: the surest way to tell that an image belongs to a dump.
     */
    public Optional<String> buildId() throws IOException {
        for (ElfSection s : sections) {
            if (s.type() != ElfSection.SHT_NOTE || Long.compareUnsigned(s.size(), MAX_TABLE_BYTES) > 0) {
                continue;
            }
            for (ElfNote note : ElfNote.parse(sectionBytes(s), path.toString())) {
                if (note.is("GNU", NT_GNU_BUILD_ID)) {
                    return Optional.of(HexFormat.of().formatHex(note.descriptor()));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The kernel's {@code linux_banner} ("Linux version 6.1.0-... (gcc ...) #1 SMP ...\n") as the
     * image stores it: the same text is in a dump's memory at the relocated address, and
     * comparing the two tells whether image and dump match when there is no build id.
     */
    public Optional<String> linuxBanner() throws IOException {
        Optional<Symbol> banner = symbols().lookup("linux_banner");
        if (banner.isEmpty()) {
            return Optional.empty();
        }
        long size = banner.get().size();
        int length = (int) (size > 0 && size <= MAX_BANNER_BYTES ? size : MAX_BANNER_BYTES);
        byte[] bytes = readImage(banner.get().linkAddress(), length);
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return Optional.of(new String(bytes, 0, end, StandardCharsets.ISO_8859_1));
    }

    /**
     * Bytes of the kernel image at a link-time address, as the image file holds them before boot
     * (initialised data may have changed in the running kernel; text and read-only data have not,
     * apart from alternatives patching). Shorter than {@code length} only where the section ends.
     *
     * @throws IOException when no section with file contents holds {@code linkAddress}
     */
    public byte[] readImage(long linkAddress, int length) throws IOException {
        for (ElfSection s : sections) {
            if (s.hasFileBytes() && s.address() != 0 && s.contains(linkAddress, 1)) {
                long offsetInSection = linkAddress - s.address();
                int n = (int) Math.min(length, s.size() - offsetInSection);
                ByteBuffer bytes = read(channel, name, s.fileOffset() + offsetInSection, n, order);
                return bytes.array();
            }
        }
        throw new IOException(name + ": no section with file contents holds address 0x"
                + Long.toHexString(linkAddress));
    }

    /**
     * {@code length} bytes of a section's file contents from {@code offset} into it, for tables
     * too large to read whole (the DWARF sections of a debug vmlinux are hundreds of MB).
     *
     * @throws VmlinuxFormatException when the window is not inside the section's file contents
     */
    public ByteBuffer readSection(ElfSection s, long offset, int length) throws IOException {
        if (!s.hasFileBytes() || offset < 0 || length < 0 || Long.compareUnsigned(offset + length, s.size()) > 0) {
            throw new VmlinuxFormatException(name, headerOffset(s), "bytes " + offset + ".." + (offset + length)
                    + " of section " + s.name() + " are not in its " + Long.toUnsignedString(s.size())
                    + " bytes of file contents");
        }
        return read(channel, name, s.fileOffset() + offset, length, order);
    }

    private ByteBuffer sectionBytes(ElfSection s) throws IOException {
        if (!s.hasFileBytes()) {
            throw new VmlinuxFormatException(name, headerOffset(s), "section " + s.name() + " has no contents"
                    + " in the file (SHT_NOBITS)");
        }
        if (Long.compareUnsigned(s.size(), MAX_TABLE_BYTES) > 0) {
            throw new VmlinuxFormatException(name, headerOffset(s), "section " + s.name() + " of "
                    + Long.toUnsignedString(s.size()) + " bytes is larger than any kernel's ("
                    + MAX_TABLE_BYTES + " bytes at most)");
        }
        return read(channel, name, s.fileOffset(), (int) s.size(), order);
    }

    /** Where a section's header sits, for messages: the header fields are what a user can check. */
    private long headerOffset(ElfSection s) {
        return sectionHeaders + (long) s.index() * SHDR_SIZE;
    }

    private static ByteBuffer read(FileChannel channel, String file, long offset, int length, ByteOrder order)
            throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            int n = channel.read(buf, offset + buf.position());
            if (n < 0) {
                throw new EOFException(file + ": offset " + (offset + buf.position()) + ": the file ended while"
                        + " reading " + length + " bytes from offset " + offset);
            }
        }
        return buf.flip().order(order);
    }

    /** The NUL-terminated string at {@code offset}, cut at {@code limit} if it has no NUL. */
    static String cString(ByteBuffer buf, int offset, int limit) {
        int len = 0;
        while (offset + len < limit && buf.get(offset + len) != 0) {
            len++;
        }
        byte[] bytes = new byte[len];
        buf.get(offset, bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static String hex(ByteBuffer buf, int offset, int length) {
        byte[] bytes = new byte[length];
        buf.get(offset, bytes);
        return HexFormat.ofDelimiter(" ").formatHex(bytes);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return "Vmlinux[" + name + ", " + sections.size() + " sections]";
    }
}
