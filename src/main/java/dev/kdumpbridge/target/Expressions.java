package dev.kdumpbridge.target;

import java.util.Optional;

/** C expressions over the target's memory, typed by its debug information. */
public interface Expressions {

    /**
     * Evaluates an expression such as {@code jiffies}, {@code init_task.comm} or
     * {@code ((struct task_struct *)0xffff888001234000)->mm}; {@code $rip}-style names are the
     * registers of the frame given.
     *
     * @throws ExpressionException saying what is wrong with the expression, for people
     */
    TargetValue evaluate(String expression, RegisterSet frameRegisters) throws ExpressionException;

    /** The object a thread stands for (a kernel task's {@code task_struct}); empty if none. */
    Optional<TargetValue> threadObject(long threadId);

    final class ExpressionException extends Exception {
        private static final long serialVersionUID = 1L;

        public ExpressionException(String message) {
            super(message);
        }
    }
}
