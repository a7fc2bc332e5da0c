package dev.kdumpbridge.kernel.value;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.kernel.KernelFakes;
import dev.kdumpbridge.kernel.btf.BtfFixtures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EvaluatorTest {
    private static final long BASE = 0xffff_8880_0000_1000L;
    private static final long A = BASE;
    private static final long B = BASE + 32;

    private Evaluator evaluator;

    @BeforeEach
    void kernel() throws Exception {
        ByteBuffer memory = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        memory.putInt(0, 7).put(4, "init".getBytes(StandardCharsets.US_ASCII)).put(12, (byte) 0x75)
            .putInt(16, 1).putLong(24, B);
        memory.putInt(32, 1).put(36, "swapper".getBytes(StandardCharsets.US_ASCII)).putInt(48, 0).putLong(56, 0);
        ValueContext context = new ValueContext(KernelFakes.memory(BASE, memory.array()),
            new Types(BtfFixtures.tasks()), KernelFakes.symbols(BASE, BASE + 0x1000, "init_task", A, 32, "other", B, 32));
        evaluator = new Evaluator(context, Optional.empty());
    }

    private Value eval(String expression) throws ValueException {
        return evaluator.evaluate(expression, name -> name.equals("rsp") ? OptionalLong.of(A) : OptionalLong.empty());
    }

    private String show(String expression) throws ValueException {
        return eval(expression).display(false);
    }

    @Test
    void membersThroughCastsPointersAndAnonymousUnions() throws Exception {
        String task = "((struct task *)0x" + Long.toHexString(A) + ")";
        assertEquals("7", show(task + "->pid"));
        assertEquals("\"init\"", show(task + "->comm"));
        assertEquals("char [8]", eval(task + "->comm").typeName());
        assertEquals("SLEEPING", show(task + "->state"));
        assertEquals("1", show(task + "->word"), "a member of an anonymous union, found as C finds it");
        assertEquals("5", show(task + "->flags"));
        assertEquals("-2", show(task + "->delta"), "a signed bitfield is sign-extended");
        assertEquals("1", show(task + "->parent->pid"));
        assertEquals("\"swapper\"", show("(*" + task + ").parent->comm"));
        assertEquals("105 'i'", show(task + "->comm[0]"));
        assertEquals("0x" + Long.toHexString(B) + " <other>", show(task + "->parent"));
        assertEquals("0x0", show(task + "->parent->parent"));
        assertEquals("1", show("((struct task *)$rsp + 1)->pid"), "pointer arithmetic counts elements");
        assertEquals("0x" + Long.toHexString(A + 4), show("&" + task + "->comm").split(" ")[0]);
        assertEquals("0x7", eval(task + "->pid").display(true));
        assertEquals("110", show("(unsigned long)" + task + "->comm[1]"));
    }

    @Test
    void childrenCarryExpressionsThatEvaluateToThem() throws Exception {
        Value task = evaluator.object("task", A);
        assertEquals("struct task", task.typeName());
        List<Value.Child> members = task.members();
        assertEquals(List.of("pid", "comm", "flags", "delta", "state", "word", "parent"),
            members.stream().map(Value.Child::name).toList());
        for (Value.Child child : members.subList(0, 6)) {
            assertEquals(child.value().display(false), show(child.value().expression()), child.value().expression());
        }
        Value parent = members.get(6).value();
        assertEquals(OptionalLong.of(B), parent.memoryAddress(), "a pointer's memory view opens where it points");
        assertEquals(7, parent.namedChildren(), "a pointer to a struct expands to the struct's members");
        Value parentPid = parent.members().get(0).value();
        assertEquals("1", show(parentPid.expression()));
        assertEquals(0, members.get(1).value().indexedChildren(), "char arrays are strings, not lists");
    }

    @Test
    void untypedSymbolsNeedACastAndErrorsSayWhatIsWrong() throws Exception {
        assertTrue(show("init_task").startsWith("<no type information> at 0x"));
        assertEquals("7", show("(*(struct task *)&init_task).pid"));
        assertEquals("7", show("(int)init_task"), "an untyped symbol is read as the type it is cast to");
        assertTrue(assertThrows(ValueException.class, () -> eval("init_task.pid")).getMessage()
            .contains("symbol without type information"));
        assertTrue(assertThrows(ValueException.class, () -> eval("((struct task *)0)->nothing")).getMessage()
            .contains("struct task has no member named nothing"));
        assertTrue(assertThrows(ValueException.class, () -> eval("nosuch")).getMessage().contains("no symbol \"nosuch\""));
        assertTrue(assertThrows(ValueException.class, () -> eval("1 +")).getMessage().contains("at column 4"));
        assertTrue(assertThrows(ValueException.class, () -> eval("(struct nothere *)0")).getMessage()
            .contains("no type struct nothere"));
        assertTrue(assertThrows(ValueException.class, () -> eval("*".repeat(100) + "init_task")).getMessage()
            .contains("nests more than"));
        assertTrue(assertThrows(ValueException.class, () -> eval("$rip")).getMessage().contains("no register $rip"));
        assertTrue(assertThrows(ValueException.class, () -> eval("((struct task *)0x10)->pid + 1")).getMessage()
            .contains("cannot read"));
        assertEquals("<unreadable at 0x10>", show("((struct task *)0x10)->pid"));
    }

    @Test
    void integerTypeNamesInAnyOrder() {
        assertEquals("long unsigned int", Types.canonicalInteger("unsigned long"));
        assertEquals("long unsigned int", Types.canonicalInteger("long unsigned"));
        assertEquals("long long int", Types.canonicalInteger("long long"));
        assertEquals("unsigned char", Types.canonicalInteger("unsigned char"));
        assertEquals("short unsigned int", Types.canonicalInteger("unsigned short int"));
        assertEquals("int", Types.canonicalInteger("signed"));
    }
}
