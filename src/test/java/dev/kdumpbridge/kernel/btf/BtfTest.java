package dev.kdumpbridge.kernel.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.kernel.btf.BtfBuilder.M;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class BtfTest {

    private static Btf parse(byte[] bytes) throws BtfFormatException {
        return Btf.parse(ByteBuffer.wrap(bytes), "test");
    }

    private static Btf parse(BtfBuilder b) throws BtfFormatException {
        return parse(b.build());
    }

    @Test
    void decodesEveryKind() throws Exception {
        BtfBuilder b = new BtfBuilder();
        int lng = b.integer("long int", 8, true);
        int chr = b.integer("char", 1, BtfType.Int.CHAR | BtfType.Int.SIGNED, 0, 8);
        int ptr = b.ptr(chr);
        int arr = b.array(chr, lng, 16);
        int st = b.struct("s", 24, false, M.at("a", lng, 0), M.at("name", arr, 64));
        int un = b.union("u", 8, M.at("l", lng, 0), M.at("p", ptr, 0));
        int en = b.enumeration("e", 4, true, "E_NEG", -1, "E_ONE", 1);
        int fwd = b.fwd("later", true);
        int td = b.typedef("s_t", st);
        int vol = b.modifier(BtfKind.VOLATILE, "", lng);
        int cst = b.modifier(BtfKind.CONST, "", vol);
        int res = b.modifier(BtfKind.RESTRICT, "", ptr);
        int proto = b.funcProto(lng, "x", lng, "", 0);
        int fn = b.func("f", proto, 1);
        int var = b.var("v", td, 1);
        int sec = b.datasec(".data..percpu", 64, var, 8, 24);
        int flt = b.floating("double", 8);
        int tag = b.declTag("user", st, 1);
        int ttag = b.modifier(BtfKind.TYPE_TAG, "percpu", lng);
        int e64 = b.enum64("big", false, "HUGE", 0x1_0000_0001L);
        Btf btf = parse(b);

        assertEquals(e64 + 1, btf.typeCount());
        assertInstanceOf(BtfType.Void.class, btf.type(0));
        assertEquals(new BtfType.Int(lng, "long int", 8, BtfType.Int.SIGNED, 0, 64), btf.type(lng));
        assertTrue(((BtfType.Int) btf.type(chr)).isSigned());
        assertEquals(new BtfType.Ptr(ptr, chr), btf.type(ptr));
        assertEquals(new BtfType.Array(arr, chr, lng, 16), btf.type(arr));
        BtfType.Struct s = (BtfType.Struct) btf.type(st);
        assertEquals(List.of(new BtfType.Member("a", lng, 0, 0), new BtfType.Member("name", arr, 64, 0)), s.members());
        assertEquals(BtfKind.STRUCT, s.kind());
        assertEquals(BtfKind.UNION, btf.type(un).kind());
        BtfType.Enum e = (BtfType.Enum) btf.type(en);
        assertEquals(OptionalLong.of(-1), e.value("E_NEG"));
        assertEquals(new BtfType.Fwd(fwd, "later", true), btf.type(fwd));
        assertEquals(new BtfType.Modifier(td, BtfKind.TYPEDEF, "s_t", st), btf.type(td));
        assertEquals(BtfKind.VOLATILE, btf.type(vol).kind());
        assertEquals(BtfKind.CONST, btf.type(cst).kind());
        assertEquals(BtfKind.RESTRICT, btf.type(res).kind());
        BtfType.FuncProto fp = (BtfType.FuncProto) btf.type(proto);
        assertEquals(lng, fp.returnType());
        assertTrue(fp.isVariadic());
        assertEquals(new BtfType.Func(fn, "f", proto, 1), btf.type(fn));
        assertEquals(new BtfType.Var(var, "v", td, 1), btf.type(var));
        assertEquals(List.of(new BtfType.SectionVar(var, 8, 24)), ((BtfType.DataSec) btf.type(sec)).vars());
        assertEquals(new BtfType.Float(flt, "double", 8), btf.type(flt));
        assertEquals(new BtfType.DeclTag(tag, "user", st, 1), btf.type(tag));
        assertEquals(new BtfType.Modifier(ttag, BtfKind.TYPE_TAG, "percpu", lng), btf.type(ttag));
        assertEquals(OptionalLong.of(0x1_0000_0001L), ((BtfType.Enum) btf.type(e64)).value("HUGE"));

        assertEquals(8, btf.pointerSize());
        assertEquals(8, btf.sizeOf(btf.type(ptr)));
        assertEquals(16, btf.sizeOf(btf.type(arr)));
        assertEquals(24, btf.sizeOf(btf.type(td)));
        assertEquals(8, btf.sizeOf(btf.type(cst)));
        assertEquals(24, btf.sizeOf(btf.type(var)));
        assertEquals(btf.type(lng), btf.resolve(btf.type(cst)));
        assertEquals(btf.type(lng), btf.resolve(btf.type(ttag)));
        assertThrows(IllegalArgumentException.class, () -> btf.sizeOf(btf.type(0)));
        assertThrows(IllegalArgumentException.class, () -> btf.sizeOf(btf.type(fwd)));
        assertThrows(IllegalArgumentException.class, () -> btf.sizeOf(btf.type(fn)));
        assertThrows(IllegalArgumentException.class, () -> btf.type(e64 + 1));
        assertThrows(IllegalArgumentException.class, () -> btf.type(-1));
    }

    @Test
    void findsTypesAndEnumeratorsByName() throws Exception {
        BtfBuilder b = new BtfBuilder();
        int i = b.integer("int", 4, true);
        int fwd = b.fwd("task", false);
        int task = b.struct("task", 4, false, M.at("pid", i, 0));
        b.enumeration("state", 4, false, "RUNNING", 0, "BIG", 0xffff_fff0);
        b.enum64("wide", true, "MINUS", -5L);
        Btf btf = parse(b);
        assertEquals(List.of(btf.type(fwd), btf.type(task)), btf.types("task"));
        assertEquals(task, btf.struct("task").orElseThrow().id());
        b.typedef("task_t", task);
        b.typedef("int_t", i);
        Btf withTypedefs = parse(b);
        assertEquals(task, withTypedefs.struct("task_t").orElseThrow().id());
        assertEquals(0, withTypedefs.offsetOf("task_t", "pid"));
        assertTrue(withTypedefs.struct("int_t").isEmpty());
        assertTrue(btf.struct("int").isEmpty());
        assertTrue(btf.struct("nothing").isEmpty());
        assertEquals(List.of(), btf.types("nothing"));
        // Without kind_flag a 32-bit enumerator is unsigned (6.0+ semantics).
        assertEquals(OptionalLong.of(0xffff_fff0L), btf.enumerator("BIG"));
        assertEquals(OptionalLong.of(-5), btf.enumerator("MINUS"));
        assertEquals(OptionalLong.empty(), btf.enumerator("NONE"));
    }

    @Test
    void pointerSizeComesFromLong() throws Exception {
        BtfBuilder b = new BtfBuilder();
        int p = b.ptr(0);
        Btf withoutLong = parse(b);
        assertEquals(-1, withoutLong.pointerSize());
        assertThrows(IllegalArgumentException.class, () -> withoutLong.sizeOf(withoutLong.type(p)));
        b.integer("long unsigned int", 4, false);
        Btf ilp32 = parse(b);
        assertEquals(4, ilp32.sizeOf(ilp32.type(p)));
    }

    /** A struct shaped like task_struct: embedded structs, anonymous unions, arrays, pointers. */
    private static final class Task {
        final BtfBuilder b = new BtfBuilder();
        final int ulong = b.integer("long unsigned int", 8, false);
        final int uint = b.integer("unsigned int", 4, false);
        final int chr = b.integer("char", 1, true);
        final int sigFwd = b.fwd("signal_struct", false);
        final int sigPtr = b.ptr(b.modifier(BtfKind.CONST, "", sigFwd));
        final int listHead = b.struct("list_head", 16, false, M.at("next", 0, 0), M.at("prev", 0, 64));
        final int listPtr = b.ptr(listHead);
        final int thread = b.struct("thread_struct", 16, false, M.at("tls", ulong, 0), M.at("sp", ulong, 64));
        final int comm = b.array(chr, uint, 16);
        final int inner = b.struct("", 8, false, M.at("lo", uint, 0), M.at("hi", uint, 32));
        final int anon = b.union("", 8, M.at("word", ulong, 0), M.at("", inner, 0));
        final int threads = b.array(thread, uint, 2);
        final int task = b.struct("task_struct", 104, true,
                M.at("flags", uint, 0),
                M.bits("in_execve", uint, 32, 1),
                M.bits("in_iowait", uint, 33, 3),
                M.at("signal", sigPtr, 64),
                M.at("thread", thread, 128),
                M.at("comm", comm, 256),
                M.at("", anon, 384),
                M.at("tasks", listHead, 448),
                M.at("spare", threads, 576));
        final int sig = b.struct("signal_struct", 24, false, M.at("nr", uint, 0), M.at("thread_head", listHead, 64));
        final byte[] bytes;
        final Btf btf;

        Task() throws BtfFormatException {
            // list_head's members point back at list_head: a cycle through pointers, which is fine.
            bytes = patchListHead(b);
            btf = parse(bytes);
        }

        private byte[] patchListHead(BtfBuilder builder) {
            byte[] bytes = builder.build();
            ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            int at = builder.recordOffset(listHead);
            buf.putInt(at + 12 + 4, listPtr);
            buf.putInt(at + 24 + 4, listPtr);
            return bytes;
        }
    }

    @Test
    void resolvesMemberPaths() throws Exception {
        Task t = new Task();
        Btf btf = t.btf;
        assertEquals(24, btf.offsetOf("task_struct", "thread.sp"));
        assertEquals(8, btf.field("task_struct", "thread.sp").size());
        assertEquals(32, btf.offsetOf("task_struct", "comm"));
        assertEquals(16, btf.field("task_struct", "comm").size());
        assertEquals(16, ((BtfType.Array) btf.resolve(btf.field("task_struct", "comm").type())).length());
        assertEquals(35, btf.offsetOf("task_struct", "comm[3]"));
        assertEquals(72 + 16 + 8, btf.offsetOf("task_struct", "spare[1].sp"));
        // Members of anonymous unions and structs are found by their own names.
        assertEquals(48, btf.offsetOf("task_struct", "word"));
        assertEquals(52, btf.offsetOf("task_struct", "hi"));
        assertEquals(64, btf.offsetOf("task_struct", "tasks.prev"));
        assertEquals(btf.field("task_struct", "tasks.prev"), btf.findField("task_struct", "tasks.prev").orElseThrow());
    }

    @Test
    void followsPointersThroughForwardDeclarations() throws Exception {
        Btf btf = new Task().btf;
        List<Field> steps = btf.path("task_struct", "signal->thread_head.prev");
        assertEquals(2, steps.size());
        assertEquals(8, steps.get(0).offset());
        assertEquals("signal", steps.get(0).path());
        assertEquals(16, steps.get(1).offset());
        assertEquals("thread_head.prev", steps.get(1).path());
        // Pointer cycles are walked one step at a time, never recursively.
        List<Field> around = btf.path("list_head", "next->next->prev->next");
        assertEquals(List.of(0L, 0L, 8L, 0L), around.stream().map(Field::offset).toList());
        assertThrows(IllegalArgumentException.class, () -> btf.field("task_struct", "signal->nr"));
    }

    @Test
    void bitfieldsWithKindFlag() throws Exception {
        Btf btf = new Task().btf;
        Field iowait = btf.field("task_struct", "in_iowait");
        assertTrue(iowait.isBitfield());
        assertEquals(33, iowait.bitOffset());
        assertEquals(3, iowait.bitfieldSize());
        assertEquals(4, iowait.offset());
        assertEquals(4, iowait.size());
        assertFalse(btf.field("task_struct", "flags").isBitfield());
        assertThrows(IllegalArgumentException.class, () -> btf.offsetOf("task_struct", "in_execve"));
    }

    @Test
    void bitfieldsEncodedInTheIntType() throws Exception {
        // Before kind_flag, pahole gave each bitfield an INT with its width and bit offset.
        BtfBuilder b = new BtfBuilder();
        int u32 = b.integer("unsigned int", 4, false);
        int three = b.integer("unsigned int", 4, 0, 2, 3);
        b.struct("old", 8, false, M.at("a", u32, 0), M.at("b", three, 32));
        Btf btf = parse(b);
        Field f = btf.field("old", "b");
        assertEquals(34, f.bitOffset());
        assertEquals(3, f.bitfieldSize());
        assertFalse(btf.field("old", "a").isBitfield());
    }

    @Test
    void reportsMissingMembersAndBadPaths() throws Exception {
        Btf btf = new Task().btf;
        NoSuchElementException missing = assertThrows(NoSuchElementException.class,
                () -> btf.field("task_struct", "thread.ip"));
        assertTrue(missing.getMessage().contains("thread_struct"), missing.getMessage());
        assertTrue(missing.getMessage().contains("ip"), missing.getMessage());
        assertThrows(NoSuchElementException.class, () -> btf.field("no_such_struct", "x"));
        assertTrue(btf.findField("task_struct", "state").isEmpty());
        assertThrows(IllegalArgumentException.class, () -> btf.field("task_struct", "comm[16]"));
        assertThrows(IllegalArgumentException.class, () -> btf.field("task_struct", "comm[x]"));
        assertThrows(IllegalArgumentException.class, () -> btf.field("task_struct", "flags.x"));
        assertThrows(IllegalArgumentException.class, () -> btf.field("task_struct", "flags[0]"));
        assertThrows(IllegalArgumentException.class, () -> btf.field("task_struct", "thread."));
        assertThrows(IllegalArgumentException.class, () -> btf.field("task_struct", ""));
        assertThrows(IllegalArgumentException.class, () -> btf.field("task_struct", "thread..sp"));
        assertThrows(IllegalArgumentException.class, () -> btf.path("task_struct", "thread->sp"));
        assertThrows(IllegalArgumentException.class, () -> btf.field("task_struct", "in_iowait.x"));
    }

    @Test
    void typeThatContainsItselfIsRejected() {
        BtfBuilder b = new BtfBuilder();
        int i = b.integer("int", 4, true);
        b.struct("loop", 8, false, M.at("x", i, 0), M.at("self", 2, 32));
        BtfFormatException e = assertThrows(BtfFormatException.class, () -> parse(b));
        assertTrue(e.getMessage().contains("contains itself"), e.getMessage());
        assertEquals(b.recordOffset(2), e.offset());
    }

    @Test
    void typedefCycleIsRejected() {
        BtfBuilder b = new BtfBuilder();
        b.typedef("a", 2);
        b.modifier(BtfKind.CONST, "", 1);
        assertThrows(BtfFormatException.class, () -> parse(b));
    }

    @Test
    void longChainIsRejectedWithoutExhaustingTheStack() {
        // Each typedef names the next id, so checking type 1 walks the whole chain.
        BtfBuilder b = new BtfBuilder();
        int n = 100_000;
        for (int id = 1; id <= n; id++) {
            b.typedef("t" + id, id + 1);
        }
        b.integer("int", 4, true);
        BtfFormatException e = assertThrows(BtfFormatException.class, () -> parse(b));
        assertTrue(e.getMessage().contains("nest more than"), e.getMessage());
    }

    @Test
    void bigEndianDataReadsTheSame() throws Exception {
        BtfBuilder b = new BtfBuilder();
        int lng = b.integer("long int", 8, true);
        b.struct("s", 16, true, M.at("a", lng, 0), M.bits("b", lng, 70, 5));
        Btf btf = Btf.parse(ByteBuffer.wrap(b.build(ByteOrder.BIG_ENDIAN)), "big");
        assertEquals(ByteOrder.BIG_ENDIAN, btf.byteOrder());
        assertEquals(70, btf.field("s", "b").bitOffset());
        assertEquals(5, btf.field("s", "b").bitfieldSize());
    }

    @Test
    void parsesFromTheBufferPositionOn() throws Exception {
        // Memory reads hand over a buffer that may start anywhere.
        BtfBuilder b = new BtfBuilder();
        b.integer("long int", 8, true);
        byte[] blob = b.build();
        ByteBuffer padded = ByteBuffer.allocate(blob.length + 100);
        padded.position(37);
        padded.put(blob);
        padded.position(37).limit(37 + blob.length);
        Btf btf = Btf.parse(padded, "memory at 0xffffffff82438070");
        assertEquals(2, btf.typeCount());
        assertEquals(37, padded.position());
    }

    // ---- damaged data ----

    private static BtfFormatException damaged(byte[] bytes, int at, int value) {
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(at, value);
        return assertThrows(BtfFormatException.class, () -> parse(bytes));
    }

    private static byte[] simple() {
        BtfBuilder b = new BtfBuilder();
        int i = b.integer("int", 4, true);
        b.struct("s", 4, false, M.at("a", i, 0));
        return b.build();
    }

    @Test
    void rejectsBadHeaders() {
        assertEquals(0, assertThrows(BtfFormatException.class, () -> parse(new byte[10])).offset());
        byte[] magic = simple();
        magic[0] = 0x12;
        BtfFormatException e = assertThrows(BtfFormatException.class, () -> parse(magic));
        assertTrue(e.getMessage().contains("magic"), e.getMessage());
        assertTrue(e.getMessage().startsWith("test: BTF offset 0"), e.getMessage());
        byte[] version = simple();
        version[2] = 2;
        assertEquals(2, assertThrows(BtfFormatException.class, () -> parse(version)).offset());
        assertEquals(4, damaged(simple(), 4, 8).offset());
        assertEquals(4, damaged(simple(), 4, 1 << 20).offset());
        assertEquals(8, damaged(simple(), 12, 1 << 20).offset());
        assertEquals(16, damaged(simple(), 20, 1 << 20).offset());
        // Type and string sections overlapping.
        assertEquals(8, damaged(simple(), 16, 4).offset());
    }

    @Test
    void rejectsAStringSectionWithoutTerminator() {
        byte[] bytes = simple();
        bytes[bytes.length - 1] = 'x';
        assertThrows(BtfFormatException.class, () -> parse(bytes));
    }

    @Test
    void rejectsTruncatedRecords() {
        byte[] bytes = simple();
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int typeLen = buf.getInt(12);
        // Shorten the type section by 4 bytes: the struct's member no longer fits.
        buf.putInt(12, typeLen - 4);
        BtfFormatException e = assertThrows(BtfFormatException.class, () -> parse(bytes));
        assertTrue(e.getMessage().contains("type 2"), e.getMessage());
    }

    @Test
    void rejectsUnknownKindsAndInfoBits() {
        BtfBuilder b = new BtfBuilder();
        b.integer("int", 4, true);
        b.raw(0, 25 << 24, 0);
        BtfFormatException e = assertThrows(BtfFormatException.class, () -> parse(b));
        assertEquals(b.recordOffset(2) + 4, e.offset());
        assertTrue(e.getMessage().contains("unknown kind 25"), e.getMessage());

        BtfBuilder bits = new BtfBuilder();
        bits.raw(0, BtfBuilder.info(BtfKind.PTR, 0, false) | 0x00ff0000, 0);
        assertThrows(BtfFormatException.class, () -> parse(bits));
    }

    @Test
    void rejectsReferencesOutOfRange() {
        BtfBuilder b = new BtfBuilder();
        int i = b.integer("int", 4, true);
        b.struct("s", 4, false, M.at("a", 99, 0));
        BtfFormatException e = assertThrows(BtfFormatException.class, () -> parse(b));
        assertEquals(b.recordOffset(i + 1) + 12 + 4, e.offset());
        assertTrue(e.getMessage().contains("99"), e.getMessage());

        BtfBuilder p = new BtfBuilder();
        p.ptr(-1);
        assertThrows(BtfFormatException.class, () -> parse(p));

        BtfBuilder a = new BtfBuilder();
        a.array(0, 0, 4);
        assertThrows(BtfFormatException.class, () -> parse(a));
    }

    @Test
    void rejectsNameOffsetsOutOfRange() {
        BtfBuilder b = new BtfBuilder();
        b.raw(5000, BtfBuilder.info(BtfKind.INT, 0, false), 4, 32);
        BtfFormatException e = assertThrows(BtfFormatException.class, () -> parse(b));
        assertEquals(24, e.offset());
    }

    @Test
    void rejectsKindMismatches() {
        BtfBuilder f = new BtfBuilder();
        int i = f.integer("int", 4, true);
        f.func("f", i, 0);
        assertTrue(assertThrows(BtfFormatException.class, () -> parse(f)).getMessage().contains("FUNC_PROTO"));

        BtfBuilder d = new BtfBuilder();
        int j = d.integer("int", 4, true);
        d.datasec(".data", 4, j, 0, 4);
        assertTrue(assertThrows(BtfFormatException.class, () -> parse(d)).getMessage().contains("VAR"));

        BtfBuilder t = new BtfBuilder();
        int k = t.integer("int", 4, true);
        int s = t.struct("s", 4, false, M.at("a", k, 0));
        t.declTag("tag", s, 1);
        assertThrows(BtfFormatException.class, () -> parse(t));
    }

    @Test
    void rejectsImpossibleLayouts() {
        BtfBuilder size = new BtfBuilder();
        size.integer("odd", 3, false);
        assertThrows(BtfFormatException.class, () -> parse(size));

        BtfBuilder bits = new BtfBuilder();
        bits.integer("int", 4, 0, 30, 8);
        assertThrows(BtfFormatException.class, () -> parse(bits));

        BtfBuilder outside = new BtfBuilder();
        int i = outside.integer("int", 4, true);
        outside.struct("s", 4, false, M.at("a", i, 64));
        assertThrows(BtfFormatException.class, () -> parse(outside));

        BtfBuilder overrun = new BtfBuilder();
        int l = overrun.integer("long int", 8, true);
        overrun.struct("s", 4, false, M.at("a", l, 0));
        assertTrue(assertThrows(BtfFormatException.class, () -> parse(overrun)).getMessage().contains("overruns"));

        // 8 bytes times 2^32 - 1, twice, is beyond 2^63.
        BtfBuilder huge = new BtfBuilder();
        int lng = huge.integer("long int", 8, true);
        huge.array(huge.array(lng, lng, -1), lng, -1);
        assertTrue(assertThrows(BtfFormatException.class, () -> parse(huge)).getMessage().contains("overflows"));
    }

    @Test
    void damageIsAlwaysAFormatExceptionOrHarmless() throws Exception {
        byte[] good = new Task().bytes;
        java.util.Random random = new java.util.Random(4);
        int parsed = 0;
        for (int round = 0; round < 5_000; round++) {
            byte[] bytes = good.clone();
            for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
            }
            Btf btf;
            try {
                btf = parse(bytes);
            } catch (BtfFormatException expected) {
                continue;
            }
            parsed++;
            // What parses must be safe to use: lookups fail only in the documented ways.
            for (int id = 0; id < btf.typeCount(); id++) {
                BtfType t = btf.type(id);
                btf.resolve(t);
                try {
                    btf.sizeOf(t);
                } catch (IllegalArgumentException noSize) {
                    // void, functions, forward declarations
                }
            }
            for (String path : List.of("thread.sp", "comm[3]", "hi", "signal->thread_head.prev", "in_iowait")) {
                try {
                    btf.path("task_struct", path);
                } catch (NoSuchElementException | IllegalArgumentException notThere) {
                    // a renamed member or a changed type
                }
            }
            btf.enumerator("x");
        }
        // Flips in names, offsets and padding leave the data valid; those rounds exercise lookups.
        assertTrue(parsed > 500, parsed + " of 5000 damaged copies parsed");
    }
}
