package dev.kdumpbridge.target;

import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A typed value in the target, read lazily: a front end shows its one-line display and expands
 * its children on request. Reads that fail show as text in the display, never as exceptions,
 * because a dump misses memory by nature.
 */
public interface TargetValue {

    /** The C type as gdb spells it, e.g. {@code struct task_struct *}. */
    String type();

    /** One line for people; integers in hex when asked. */
    String display(boolean hex);

    /** Where the value lies in memory (for a pointer: where it points), if anywhere. */
    OptionalLong memoryAddress();

    /** A C expression that evaluates to this value. */
    String expression();

    /** How many named children (struct members) it has. */
    int namedChildren();

    /** How many indexed children (array elements) it has. */
    int indexedChildren();

    /** The named children, all of them. */
    List<Member> members();

    /** Indexed children {@code [start, start + count)}, clipped to the ones there are. */
    List<Member> elements(int start, int count);

    record Member(String name, TargetValue value) {
        public Member {
            Objects.requireNonNull(name);
            Objects.requireNonNull(value);
        }
    }
}
