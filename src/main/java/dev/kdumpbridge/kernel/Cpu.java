package dev.kdumpbridge.kernel;

/**
 * One online CPU as its runqueue left it.
 *
 * @param number    the CPU number
 * @param runqueue  its {@code struct rq}
 * @param current   {@code rq->curr}: the task running on it, 0 if unreadable
 * @param idle      {@code rq->idle}: its idle task ({@code swapper/N}), 0 if unreadable
 */
public record Cpu(int number, long runqueue, long current, long idle) {
}
