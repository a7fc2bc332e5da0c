package dev.kdumpbridge.kernel.dwarf;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * One compile unit's line table ({@code .debug_line}, DWARF 5 §6.2, versions 2 to 5): its line
 * program run through the state machine into rows of (address, file, line), kept per sequence.
 * Every row is kept, {@code is_stmt} or not, as binutils' addr2line does: the question is which
 * line the instruction came from, not where a breakpoint should go. Immutable once read.
 */
final class LineTable {
    static final LineTable EMPTY = new LineTable(List.of(), new long[0], new int[0], new int[0], new int[] {0},
            new AddressRanges.Builder().build());

    private static final int DW_LNS_COPY = 1;
    private static final int DW_LNS_ADVANCE_PC = 2;
    private static final int DW_LNS_ADVANCE_LINE = 3;
    private static final int DW_LNS_SET_FILE = 4;
    private static final int DW_LNS_SET_COLUMN = 5;
    private static final int DW_LNS_NEGATE_STMT = 6;
    private static final int DW_LNS_SET_BASIC_BLOCK = 7;
    private static final int DW_LNS_CONST_ADD_PC = 8;
    private static final int DW_LNS_FIXED_ADVANCE_PC = 9;
    private static final int DW_LNS_SET_PROLOGUE_END = 10;
    private static final int DW_LNS_SET_EPILOGUE_BEGIN = 11;
    private static final int DW_LNS_SET_ISA = 12;
    private static final int DW_LNE_END_SEQUENCE = 1;
    private static final int DW_LNE_SET_ADDRESS = 2;
    private static final int DW_LNE_DEFINE_FILE = 3;
    static final int DW_LNCT_PATH = 1;
    static final int DW_LNCT_DIRECTORY_INDEX = 2;
    /** The special opcode whose address advance {@code DW_LNS_const_add_pc} borrows. */
    private static final int HIGHEST_OPCODE = 255;

    /** File paths by slot: the DWARF file number in version 5, one less before it. */
    private final List<String> files;
    private final long[] addresses;
    private final int[] fileSlots;
    private final int[] lines;
    /** Row index where each sequence starts, and the row count last. */
    private final int[] sequenceStarts;
    /** From a sequence's first address to its end_sequence address, carrying the sequence number. */
    private final AddressRanges sequences;

    private LineTable(List<String> files, long[] addresses, int[] fileSlots, int[] lines, int[] sequenceStarts,
            AddressRanges sequences) {
        this.files = files;
        this.addresses = addresses;
        this.fileSlots = fileSlots;
        this.lines = lines;
        this.sequenceStarts = sequenceStarts;
        this.sequences = sequences;
    }

    /**
     * The row in force at {@code address}: the last one at or below it in the sequence that
     * holds it. Empty where no sequence does (a gap between functions, another unit's code).
     */
    Optional<SourceLine> lookup(long address) {
        long sequence = sequences.find(address);
        if (sequence < 0) {
            return Optional.empty();
        }
        int low = sequenceStarts[(int) sequence];
        int high = sequenceStarts[(int) sequence + 1];
        // A sequence's first row is at its start address, so some row qualifies.
        while (high - low > 1) {
            int mid = (low + high) >>> 1;
            if (Long.compareUnsigned(addresses[mid], address) <= 0) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return Optional.of(new SourceLine(files.get(fileSlots[low]), lines[low]));
    }

    /**
     * Reads the line table at {@code offset} in {@code .debug_line}.
     *
     * @param compDir the unit's {@code DW_AT_comp_dir}, which versions before 5 leave out of the
     *                table itself
     */
    static LineTable read(DwarfSection debugLine, long offset, Optional<String> compDir, DwarfForm.Strings strings)
            throws IOException {
        DwarfSection.Unit unit = debugLine.unit(offset, "line table", 2, 5);
        DwarfCursor c = unit.body();
        int version = unit.version();
        int addressSize = 0;
        if (version >= 5) {
            addressSize = c.u8();
            c.u8(); // segment selector size: no producer for Linux's architectures uses segments
        }
        long headerLength = c.offset(unit.offsetSize());
        if (headerLength < 0 || headerLength > c.limit() - c.position()) {
            throw c.error(c.position() - unit.offsetSize(), "header length " + Long.toUnsignedString(headerLength)
                    + " runs past the end of the unit at 0x" + Long.toHexString(c.limit()));
        }
        long programStart = c.position() + headerLength;
        DwarfCursor header = debugLine.cursor(c.position(), programStart);
        Program program = new Program(version, header);
        if (version >= 5) {
            DwarfForm.UnitFormat format = new DwarfForm.UnitFormat(version, unit.offsetSize(), addressSize);
            List<Entry> directories = entries(header, format, strings, "directory");
            if (directories.isEmpty()) {
                throw header.error(header.position(), "no directory 0, which DWARF 5 makes the compilation directory");
            }
            String compilationDirectory = directories.get(0).path();
            List<String> resolved = new ArrayList<>();
            for (int i = 0; i < directories.size(); i++) {
                resolved.add(i == 0 ? compilationDirectory : join(compilationDirectory, directories.get(i).path()));
            }
            program.directories = resolved;
            for (Entry file : entries(header, format, strings, "file")) {
                program.addFile(file, header);
            }
        } else {
            // Directory 0 is implicit before DWARF 5: the unit's DW_AT_comp_dir.
            String compilationDirectory = compDir.orElse("");
            List<String> resolved = new ArrayList<>(List.of(compilationDirectory));
            for (String directory = header.cString(); !directory.isEmpty(); directory = header.cString()) {
                resolved.add(join(compilationDirectory, directory));
            }
            program.directories = resolved;
            for (Entry file = oldFileEntry(header); file != null; file = oldFileEntry(header)) {
                program.addFile(file, header);
            }
        }
        return program.run(debugLine.cursor(programStart, c.limit()));
    }

    /** A directory or file entry: a path and, for a file, the index of its directory. */
    private record Entry(String path, int directory, long at) {
    }

    /** DWARF 5 entries: a format (content type, form pairs), a count, then the entries. */
    private static List<Entry> entries(DwarfCursor c, DwarfForm.UnitFormat format, DwarfForm.Strings strings,
            String what) throws IOException {
        int formatCount = c.u8();
        int[] contentTypes = new int[formatCount];
        int[] forms = new int[formatCount];
        for (int i = 0; i < formatCount; i++) {
            contentTypes[i] = c.ulebIndex(what + " content type");
            forms[i] = c.ulebIndex(what + " form");
        }
        long countAt = c.position();
        int count = c.ulebIndex(what + " count");
        // Every entry needs a path of at least one byte, which bounds the count before any is read.
        if (count > c.limit() - c.position()) {
            throw c.error(countAt, count + " " + what + " entries cannot fit the " + (c.limit() - c.position())
                    + " bytes left in the header");
        }
        List<Entry> entries = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            long at = c.position();
            String path = null;
            long directory = 0;
            for (int i = 0; i < formatCount; i++) {
                switch (contentTypes[i]) {
                    case DW_LNCT_PATH -> path = DwarfForm.string(c, forms[i], format, strings);
                    case DW_LNCT_DIRECTORY_INDEX -> directory = DwarfForm.unsigned(c, forms[i], format);
                    default -> DwarfForm.skip(c, forms[i], format);
                }
            }
            if (path == null) {
                throw c.error(at, what + " entry " + n + " has no path (DW_LNCT_path)");
            }
            if (directory < 0 || directory > Integer.MAX_VALUE) {
                throw c.error(at, what + " entry " + n + " names directory " + Long.toUnsignedString(directory));
            }
            entries.add(new Entry(path, (int) directory, at));
        }
        return entries;
    }

    /** A file entry before DWARF 5 (also the operand of DW_LNE_define_file), or null at the list's end. */
    private static Entry oldFileEntry(DwarfCursor c) throws IOException {
        long at = c.position();
        String path = c.cString();
        if (path.isEmpty()) {
            return null;
        }
        int directory = c.ulebIndex("directory index");
        c.uleb(); // modification time
        c.uleb(); // file length
        return new Entry(path, directory, at);
    }

    /**
     * {@code path} under {@code directory}, unless it is absolute or there is no directory. GCC
     * keeps a trailing slash on some directories ({@code arch/x86/include/asm/trace/}, from
     * {@code TRACE_INCLUDE_PATH}); it is not doubled, as gdb and llvm-addr2line do not.
     */
    private static String join(String directory, String path) {
        if (path.startsWith("/") || directory.isEmpty()) {
            return path;
        }
        return directory.endsWith("/") ? directory + path : directory + "/" + path;
    }

    /** The header's parameters and the state machine's registers while one program runs. */
    private static final class Program {
        private final int version;
        private final int minimumInstructionLength;
        private final int maximumOperationsPerInstruction;
        private final int lineBase;
        private final int lineRange;
        private final int opcodeBase;
        private final int[] standardOpcodeLengths;
        /** Directory paths by DWARF directory number, resolved against the compilation directory. */
        private List<String> directories = List.of();
        private final List<String> files = new ArrayList<>();

        private long[] addresses = new long[64];
        private int[] fileSlots = new int[64];
        private int[] lines = new int[64];
        private int rowCount;
        private final List<Integer> sequenceStarts = new ArrayList<>();
        private final AddressRanges.Builder sequences = new AddressRanges.Builder();

        private long address;
        private long operationIndex;
        private long file;
        private long line;
        private int sequenceStart;

        /** Reads the fixed part of the header, up to the directory table. */
        Program(int version, DwarfCursor header) throws IOException {
            this.version = version;
            minimumInstructionLength = header.u8();
            long maximumOpsAt = header.position();
            maximumOperationsPerInstruction = version >= 4 ? header.u8() : 1;
            if (maximumOperationsPerInstruction == 0) {
                throw header.error(maximumOpsAt, "maximum_operations_per_instruction is 0");
            }
            header.u8(); // default_is_stmt: every row is kept either way
            lineBase = (byte) header.u8();
            long lineRangeAt = header.position();
            lineRange = header.u8();
            if (lineRange == 0) {
                throw header.error(lineRangeAt, "line_range is 0");
            }
            opcodeBase = header.u8();
            if (opcodeBase == 0) {
                throw header.error(lineRangeAt + 1, "opcode_base is 0, leaving no room for extended opcodes");
            }
            standardOpcodeLengths = new int[opcodeBase];
            for (int opcode = 1; opcode < opcodeBase; opcode++) {
                standardOpcodeLengths[opcode] = header.u8();
            }
            resetRegisters();
        }

        void addFile(Entry file, DwarfCursor c) throws DwarfFormatException {
            if (file.directory() >= directories.size()) {
                throw c.error(file.at(), "file " + file.path() + " names directory " + file.directory() + " of "
                        + directories.size());
            }
            files.add(join(directories.get(file.directory()), file.path()));
        }

        /** Runs the program to the end of the unit; rows after the last end_sequence are dropped. */
        LineTable run(DwarfCursor c) throws IOException {
            while (c.hasRemaining()) {
                long opcodeAt = c.position();
                int opcode = c.u8();
                if (opcode >= opcodeBase) {
                    int adjusted = opcode - opcodeBase;
                    advance(adjusted / lineRange);
                    line += lineBase + adjusted % lineRange;
                    addRow(c, opcodeAt);
                } else if (opcode == 0) {
                    extended(c, opcodeAt);
                } else {
                    standard(c, opcode, opcodeAt);
                }
            }
            int[] starts = new int[sequenceStarts.size() + 1];
            for (int i = 0; i < sequenceStarts.size(); i++) {
                starts[i] = sequenceStarts.get(i);
            }
            starts[sequenceStarts.size()] = sequenceStart;
            return new LineTable(List.copyOf(files), Arrays.copyOf(addresses, sequenceStart),
                    Arrays.copyOf(fileSlots, sequenceStart), Arrays.copyOf(lines, sequenceStart), starts,
                    sequences.build());
        }

        private void standard(DwarfCursor c, int opcode, long opcodeAt) throws IOException {
            switch (opcode) {
                case DW_LNS_COPY -> addRow(c, opcodeAt);
                case DW_LNS_ADVANCE_PC -> advance(c.uleb());
                case DW_LNS_ADVANCE_LINE -> line += c.sleb();
                case DW_LNS_SET_FILE -> file = c.uleb();
                case DW_LNS_SET_COLUMN, DW_LNS_SET_ISA -> c.uleb();
                case DW_LNS_NEGATE_STMT, DW_LNS_SET_BASIC_BLOCK, DW_LNS_SET_PROLOGUE_END,
                        DW_LNS_SET_EPILOGUE_BEGIN -> { }
                case DW_LNS_CONST_ADD_PC -> advance((HIGHEST_OPCODE - opcodeBase) / lineRange);
                case DW_LNS_FIXED_ADVANCE_PC -> {
                    address += c.u16();
                    operationIndex = 0;
                }
                // An opcode from a later version: the header says how many ULEB128 operands to skip.
                default -> {
                    for (int i = 0; i < standardOpcodeLengths[opcode]; i++) {
                        c.uleb();
                    }
                }
            }
        }

        private void extended(DwarfCursor c, long opcodeAt) throws IOException {
            long length = c.uleb();
            if (length == 0 || length > c.limit() - c.position()) {
                throw c.error(opcodeAt, "extended opcode of " + Long.toUnsignedString(length)
                        + " bytes; 1 to " + (c.limit() - c.position()) + " expected");
            }
            long end = c.position() + length;
            int operation = c.u8();
            switch (operation) {
                case DW_LNE_END_SEQUENCE -> endSequence(c, opcodeAt);
                case DW_LNE_SET_ADDRESS -> {
                    if (length - 1 > Long.BYTES) {
                        throw c.error(opcodeAt, "DW_LNE_set_address with a " + (length - 1) + "-byte address");
                    }
                    address = c.unsigned((int) length - 1);
                    operationIndex = 0;
                }
                // Removed in DWARF 5, where the file table is complete in the header.
                case DW_LNE_DEFINE_FILE -> {
                    if (version < 5) {
                        Entry defined = oldFileEntry(c);
                        if (defined == null) {
                            throw c.error(opcodeAt, "DW_LNE_define_file without a file name");
                        }
                        addFile(defined, c);
                    }
                }
                // DW_LNE_set_discriminator and vendor operations: nothing a line lookup needs.
                default -> { }
            }
            if (c.position() > end) {
                throw c.error(opcodeAt, "extended opcode " + operation + " read past its length of " + length);
            }
            c.seek(end);
        }

        /** Moves the address by {@code operations} operations (VLIW bundles count by index). */
        private void advance(long operations) {
            if (maximumOperationsPerInstruction == 1) {
                address += minimumInstructionLength * operations;
            } else {
                long total = operationIndex + operations;
                address += minimumInstructionLength * Long.divideUnsigned(total, maximumOperationsPerInstruction);
                operationIndex = Long.remainderUnsigned(total, maximumOperationsPerInstruction);
            }
        }

        private void addRow(DwarfCursor c, long opcodeAt) throws DwarfFormatException {
            long slot = version >= 5 ? file : file - 1;
            if (slot < 0 || slot >= files.size()) {
                throw c.error(opcodeAt, "a row in file " + Long.toUnsignedString(file) + " of a table with "
                        + files.size() + " files" + (version >= 5 ? "" : ", numbered from 1"));
            }
            if (line < 0 || line > Integer.MAX_VALUE) {
                throw c.error(opcodeAt, "a row at line " + line);
            }
            if (rowCount > sequenceStart && Long.compareUnsigned(address, addresses[rowCount - 1]) < 0) {
                throw c.error(opcodeAt, "a row at 0x" + Long.toHexString(address) + " below the previous row's 0x"
                        + Long.toHexString(addresses[rowCount - 1]) + " in one sequence");
            }
            if (rowCount == addresses.length) {
                addresses = Arrays.copyOf(addresses, rowCount * 2);
                fileSlots = Arrays.copyOf(fileSlots, rowCount * 2);
                lines = Arrays.copyOf(lines, rowCount * 2);
            }
            addresses[rowCount] = address;
            fileSlots[rowCount] = (int) slot;
            lines[rowCount] = (int) line;
            rowCount++;
        }

        private void endSequence(DwarfCursor c, long opcodeAt) throws DwarfFormatException {
            if (rowCount > sequenceStart) {
                long first = addresses[sequenceStart];
                if (Long.compareUnsigned(address, addresses[rowCount - 1]) < 0) {
                    throw c.error(opcodeAt, "a sequence from 0x" + Long.toHexString(first) + " ending at 0x"
                            + Long.toHexString(address) + ", below its last row at 0x"
                            + Long.toHexString(addresses[rowCount - 1]));
                }
                // Rows only go up within a sequence, so the range cannot wrap.
                sequences.add(first, address - first, sequenceStarts.size());
                sequenceStarts.add(sequenceStart);
                sequenceStart = rowCount;
            }
            resetRegisters();
        }

        private void resetRegisters() {
            address = 0;
            operationIndex = 0;
            file = 1;
            line = 1;
        }
    }
}
