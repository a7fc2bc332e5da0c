package dev.kdumpbridge.dump;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Parses a note segment: the PT_NOTE of an ELF core, or the copy of it that kdump-compressed
 * files keep after the sub header (reference 02 §3). A damaged note ends the walk with a warning
 * rather than refusing the dump: the notes before it are still good, and memory may be too.
 * {@link #encode} writes a note back, for {@link KdumpWriter}.
 */
final class Notes {
    private static final int HEADER_SIZE = 12;
    /**
     * Per-CPU prstatus and VMCOREINFO take kilobytes; device dumps (NT_VMCOREDD) can take
     * megabytes. Notes beyond this are ignored rather than read into memory.
     */
    static final long MAX_NOTE_BYTES = 64L << 20;

    private Notes() {
    }

    /**
     * @param segment    the note bytes, positioned at 0, in the dump's byte order
     * @param fileOffset where {@code segment} starts in the file, for offsets in messages
     */
    static void parse(ByteBuffer segment, long fileOffset, String file, List<ElfNote> out,
            List<String> warnings) {
        int limit = segment.limit();
        int pos = 0;
        while (limit - pos >= HEADER_SIZE) {
            long nameSize = Integer.toUnsignedLong(segment.getInt(pos));
            long descSize = Integer.toUnsignedLong(segment.getInt(pos + 4));
            int type = segment.getInt(pos + 8);
            if (nameSize == 0 && descSize == 0 && type == 0) {
                // The kernel ends each per-CPU note buffer with an empty note (final_note);
                // what follows is padding.
                return;
            }
            long nameStart = pos + HEADER_SIZE;
            long descStart = nameStart + align4(nameSize);
            if (descStart + descSize > limit) {
                warnings.add(file + ": offset " + (fileOffset + pos) + ": note with name size "
                        + nameSize + " and descriptor size " + descSize + " does not fit in the "
                        + (limit - pos) + " bytes left of the note segment; notes after it are ignored");
                return;
            }
            String name = Bytes.cString(segment, (int) nameStart, (int) nameSize);
            byte[] descriptor = new byte[(int) descSize];
            segment.get((int) descStart, descriptor);
            out.add(new ElfNote(name, type, descriptor, fileOffset + descStart, segment.order()));
            long next = descStart + align4(descSize);
            pos = (int) Math.min(next, limit);
        }
    }

    /**
     * One note as the kernel writes it ({@code append_elf_note}): the three header words, the
     * name with its NUL, the descriptor, name and descriptor each padded to 4 bytes. For every note
     * {@link #parse} accepts from the kernel or QEMU this gives back the bytes it was read from.
     */
    static byte[] encode(ElfNote note) {
        byte[] name = (note.name() + "\0").getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer out = ByteBuffer.allocate(descriptorOffset(note) + (int) align4(note.descriptorSize()))
                .order(note.byteOrder());
        out.putInt(name.length).putInt(note.descriptorSize()).putInt(note.type()).put(name);
        out.position(descriptorOffset(note));
        out.put(note.descriptorBuffer());
        return out.array();
    }

    /** Where the descriptor starts in {@link #encode}'s bytes. */
    static int descriptorOffset(ElfNote note) {
        return HEADER_SIZE + (int) align4(note.name().length() + 1L);
    }

    private static long align4(long n) {
        return (n + 3) & ~3L;
    }
}
