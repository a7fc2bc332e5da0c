package dev.kdumpbridge.dumptarget;

import dev.kdumpbridge.kernel.Task;
import dev.kdumpbridge.kernel.value.Evaluator;
import dev.kdumpbridge.kernel.value.Value;
import dev.kdumpbridge.kernel.value.ValueException;
import dev.kdumpbridge.target.Expressions;
import dev.kdumpbridge.target.RegisterSet;
import dev.kdumpbridge.target.TargetValue;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongFunction;

/** The kernel's C expressions and task objects, for the front ends. */
final class DumpExpressions implements Expressions {
    private final Evaluator evaluator;
    private final LongFunction<Optional<Task>> tasks;

    DumpExpressions(Evaluator evaluator, LongFunction<Optional<Task>> tasks) {
        this.evaluator = evaluator;
        this.tasks = tasks;
    }

    @Override
    public TargetValue evaluate(String expression, RegisterSet frameRegisters) throws ExpressionException {
        try {
            return new DumpValue(evaluator.evaluate(expression,
                name -> frameRegisters == null ? OptionalLong.empty() : frameRegisters.value(name)));
        } catch (ValueException e) {
            throw new ExpressionException(e.getMessage());
        }
    }

    @Override
    public Optional<TargetValue> threadObject(long threadId) {
        return tasks.apply(threadId).flatMap(task -> {
            try {
                return Optional.of(new DumpValue(evaluator.object("task_struct", task.address())));
            } catch (ValueException noTaskStruct) {
                return Optional.empty();
            }
        });
    }

    /** A kernel value as the front ends see one. */
    private record DumpValue(Value value) implements TargetValue {
        @Override
        public String type() {
            return value.typeName();
        }

        @Override
        public String display(boolean hex) {
            return value.display(hex);
        }

        @Override
        public OptionalLong memoryAddress() {
            return value.memoryAddress();
        }

        @Override
        public String expression() {
            return value.expression();
        }

        @Override
        public int namedChildren() {
            return value.namedChildren();
        }

        @Override
        public int indexedChildren() {
            return value.indexedChildren();
        }

        @Override
        public List<Member> members() {
            return value.members().stream().map(c -> new Member(c.name(), new DumpValue(c.value()))).toList();
        }

        @Override
        public List<Member> elements(int start, int count) {
            return value.elements(start, count).stream().map(c -> new Member(c.name(), new DumpValue(c.value())))
                .toList();
        }
    }
}
