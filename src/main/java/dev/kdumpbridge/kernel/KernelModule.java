package dev.kdumpbridge.kernel;

/**
 * A loaded kernel module: its name and where its core (text and data that stay after init)
 * lies; {@code address} is its {@code struct module}.
 */
public record KernelModule(String name, long address, long base, long size) {
}
