/**
 * A kernel task's stack as frames, whatever the architecture: what each architecture's unwinder
 * produces and the CLI, the gdb server's {@code monitor bt} and the DAP front end show. Frames
 * carry the registers known at that depth (fewer the deeper it goes) and, at exception and
 * interrupt boundaries, the full register state the entry code saved.
 */
package dev.kdumpbridge.unwind;
