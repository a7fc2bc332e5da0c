package dev.kdumpbridge.kernel;

/**
 * One online CPU as its runqueue left it.
 *
 * @param number    the CPU number
 * @param runqueue  its {@code struct rq}
 * @param current   {@code rq->curr}: the task running on it, 0 if unreadable
 * @param idle      {@code rq->idle}: its idle task ({@code swapper/N}), 0 if unreadable
 * @param clock     {@code rq->clock}: the scheduler's clock on that CPU, nanoseconds since boot
 *                  as of its last update (at least every scheduler tick)
 * @param perCpuOffset {@code __per_cpu_offset[number]}: added to a per-CPU variable's symbol
 *                  value, the address of this CPU's copy
 */
public record Cpu(int number, long runqueue, long current, long idle, long clock, long perCpuOffset) {
}
