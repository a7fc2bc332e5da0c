package dev.kdumpbridge.target;

/**
 * How far the running kernel's sections are from vmlinux's link addresses: the KASLR slide. With
 * a single slide both values are equal.
 *
 * @param text added to the addresses of code sections
 * @param data added to the addresses of data sections
 */
public record SectionOffsets(long text, long data) {

    public static SectionOffsets slide(long offset) {
        return new SectionOffsets(offset, offset);
    }
}
