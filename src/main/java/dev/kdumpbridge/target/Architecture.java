package dev.kdumpbridge.target;

import java.nio.ByteOrder;
import java.util.Objects;

/**
 * What a debugger needs to know about the machine the kernel ran on.
 *
 * @param name our name for it, as in {@code dev.kdumpbridge.arch.<name>}: "x86_64", "aarch64"
 * @param gdbName the BFD architecture name gdb knows it by (target description
 *     {@code <architecture>}): "i386:x86-64", "aarch64"
 * @param triple the LLVM target triple LLDB selects its plug-ins by: "x86_64-pc-linux-gnu"
 * @param byteOrder byte order of memory and of register values
 * @param pointerSize bytes in a pointer
 * @param registers the registers a thread has, in debugger numbering
 */
public record Architecture(
    String name, String gdbName, String triple, ByteOrder byteOrder, int pointerSize,
    RegisterLayout registers) {

    public Architecture {
        Objects.requireNonNull(name);
        Objects.requireNonNull(gdbName);
        Objects.requireNonNull(triple);
        Objects.requireNonNull(byteOrder);
        Objects.requireNonNull(registers);
        if (pointerSize != 4 && pointerSize != 8) {
            throw new IllegalArgumentException("pointer size " + pointerSize);
        }
    }
}
