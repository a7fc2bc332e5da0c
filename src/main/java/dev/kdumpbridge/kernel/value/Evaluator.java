package dev.kdumpbridge.kernel.value;

import dev.kdumpbridge.kernel.Symbol;
import dev.kdumpbridge.kernel.dwarf.GlobalVariables;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * C expressions over the dumped kernel, the subset people type into a debugger's watch or REPL:
 * symbols ({@code jiffies}), numbers, registers ({@code $rsp}), casts
 * ({@code (struct task_struct *)0xffff...}), {@code *}, {@code &}, {@code .}, {@code ->},
 * {@code [i]}, {@code +} and {@code -}. Types come from BTF; a global variable's type from the
 * debug vmlinux's DWARF, the only place that records it. Safe for concurrent use.
 */
public final class Evaluator {
    /** Longest expression accepted: a watch expression, not a program. */
    private static final int MAX_LENGTH = 4096;
    /** Nesting of parentheses and unary operators, so a pathological input cannot exhaust the stack. */
    private static final int MAX_DEPTH = 64;

    /** Registers that hold addresses on x86_64 and arm64: the pc, stack and frame pointers. */
    private static final Set<String> ADDRESS_REGISTERS = Set.of("rip", "rsp", "rbp", "pc", "sp", "fp",
        "x29", "x30", "lr");

    private final ValueContext context;
    private final Optional<GlobalVariables> globals;
    private final Map<String, Optional<CType>> globalTypes = new ConcurrentHashMap<>();

    public Evaluator(ValueContext context, Optional<GlobalVariables> globals) {
        this.context = context;
        this.globals = globals;
    }

    public ValueContext context() {
        return context;
    }

    /** {@code *(struct NAME *)address}: a kernel object of a known struct, such as a task. */
    public Value object(String struct, long address) throws ValueException {
        CType type = context.types().parse("struct " + struct).orElseThrow(
            () -> new ValueException("this kernel's BTF has no struct " + struct));
        return Value.at(context, type, address, "*(struct " + struct + " *)0x" + Long.toHexString(address));
    }

    /**
     * Evaluates {@code text}; {@code registers} gives a register's value by name ({@code rip}), or
     * empty where the frame has none.
     *
     * @throws ValueException saying what is wrong and where
     */
    public Value evaluate(String text, Function<String, OptionalLong> registers) throws ValueException {
        if (text.length() > MAX_LENGTH) {
            throw new ValueException("expression of " + text.length() + " characters; at most " + MAX_LENGTH);
        }
        Parser parser = new Parser(tokenize(text), text, registers);
        Value value = parser.additive(0);
        parser.expectEnd();
        return value;
    }

    // ---- tokens ----

    private enum Kind { NAME, NUMBER, REGISTER, PUNCT, END }

    private record Token(Kind kind, String text, int at) {
    }

    private static List<Token> tokenize(String text) throws ValueException {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (Character.isLetter(c) || c == '_' || c == '$') {
                int start = i++;
                while (i < text.length() && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '_')) {
                    i++;
                }
                tokens.add(new Token(c == '$' ? Kind.REGISTER : Kind.NAME, text.substring(c == '$' ? start + 1 : start, i),
                    start));
            } else if (Character.isDigit(c)) {
                int start = i;
                while (i < text.length() && Character.isLetterOrDigit(text.charAt(i))) {
                    i++;
                }
                tokens.add(new Token(Kind.NUMBER, text.substring(start, i), start));
            } else if (text.startsWith("->", i)) {
                tokens.add(new Token(Kind.PUNCT, "->", i));
                i += 2;
            } else if ("()[]*&.+-".indexOf(c) >= 0) {
                tokens.add(new Token(Kind.PUNCT, String.valueOf(c), i));
                i++;
            } else {
                throw new ValueException("unexpected '" + c + "' at column " + (i + 1) + " of " + text);
            }
        }
        tokens.add(new Token(Kind.END, "", text.length()));
        return tokens;
    }

    // ---- parsing and evaluation in one pass ----

    private final class Parser {
        private final List<Token> tokens;
        private final String text;
        private final Function<String, OptionalLong> registers;
        private int next;

        Parser(List<Token> tokens, String text, Function<String, OptionalLong> registers) {
            this.tokens = tokens;
            this.text = text;
            this.registers = registers;
        }

        private Token peek(int ahead) {
            return tokens.get(Math.min(next + ahead, tokens.size() - 1));
        }

        private boolean accept(String punct) {
            Token t = peek(0);
            if (t.kind() == Kind.PUNCT && t.text().equals(punct)) {
                next++;
                return true;
            }
            return false;
        }

        private void expect(String punct) throws ValueException {
            if (!accept(punct)) {
                throw unexpected("'" + punct + "'");
            }
        }

        void expectEnd() throws ValueException {
            if (peek(0).kind() != Kind.END) {
                throw unexpected("the end of the expression");
            }
        }

        private ValueException unexpected(String wanted) {
            Token t = peek(0);
            String found = t.kind() == Kind.END ? "the end" : "'" + t.text() + "'";
            return new ValueException("expected " + wanted + " at column " + (t.at() + 1) + " of " + text + ", found "
                + found);
        }

        Value additive(int depth) throws ValueException {
            Value left = unary(depth);
            while (true) {
                boolean plus = accept("+");
                if (!plus && !accept("-")) {
                    return left;
                }
                Value right = unary(depth);
                left = arithmetic(left, right, plus);
            }
        }

        private Value arithmetic(Value left, Value right, boolean plus) throws ValueException {
            String expression = left.expression() + (plus ? " + " : " - ") + right.expression();
            long r = right.requireScalar();
            if (left.isPointer() || left.isArray()) {
                CType target = left.isPointer() ? ((CType.Pointer) context.types().resolve(left.type())).target()
                    : ((CType.Array) context.types().resolve(left.type())).element();
                long size = Math.max(1, context.types().size(target));
                long base = left.isArray() ? left.address().orElseThrow(() -> new ValueException(
                    left.expression() + " is not in memory")) : left.requireScalar();
                return Value.of(context, new CType.Pointer(target), plus ? base + r * size : base - r * size, expression);
            }
            long l = left.requireScalar();
            return Value.of(context, left.type(), plus ? l + r : l - r, expression);
        }

        private Value unary(int depth) throws ValueException {
            if (depth > MAX_DEPTH) {
                throw new ValueException("expression nests more than " + MAX_DEPTH + " deep: " + text);
            }
            if (accept("*")) {
                return unary(depth + 1).dereference();
            }
            if (accept("&")) {
                return unary(depth + 1).addressOf();
            }
            if (accept("-")) {
                Value operand = unary(depth + 1);
                return Value.of(context, operand.type(), -operand.requireScalar(), "-" + operand.parenthesized());
            }
            Optional<CType> cast = castType();
            if (cast.isPresent()) {
                Value operand = unary(depth + 1);
                String name = context.types().name(cast.get());
                return operand.cast(cast.get(), "(" + name + ")" + operand.parenthesized());
            }
            return postfix(primary(depth), depth);
        }

        /** A parenthesized type name ahead, consumed; empty (nothing consumed) otherwise. */
        private Optional<CType> castType() throws ValueException {
            if (!(peek(0).kind() == Kind.PUNCT && peek(0).text().equals("(") && peek(1).kind() == Kind.NAME)) {
                return Optional.empty();
            }
            int end = 1;
            StringBuilder name = new StringBuilder();
            while (peek(end).kind() == Kind.NAME) {
                name.append(name.length() == 0 ? "" : " ").append(peek(end).text());
                end++;
            }
            int pointers = 0;
            while (peek(end).kind() == Kind.PUNCT && peek(end).text().equals("*")) {
                pointers++;
                end++;
            }
            if (!(peek(end).kind() == Kind.PUNCT && peek(end).text().equals(")"))) {
                return Optional.empty();
            }
            String words = name.toString();
            boolean tagged = words.startsWith("struct ") || words.startsWith("union ") || words.startsWith("enum ");
            // A lone name in parentheses is a type only if it is no symbol: (jiffies) stays a variable.
            if (!tagged && !words.contains(" ") && context.symbols().lookup(words).isPresent()) {
                return Optional.empty();
            }
            Optional<CType> type = context.types().parse(words + " " + "*".repeat(pointers));
            if (type.isEmpty()) {
                if (tagged || pointers > 0) {
                    throw new ValueException("no type " + words + " in this kernel's BTF");
                }
                return Optional.empty();
            }
            next += end + 1;
            return type;
        }

        private Value postfix(Value value, int depth) throws ValueException {
            Value v = value;
            while (true) {
                if (accept(".") || accept("->")) {
                    Token name = peek(0);
                    if (name.kind() != Kind.NAME) {
                        throw unexpected("a member name");
                    }
                    next++;
                    v = v.member(name.text());
                } else if (accept("[")) {
                    Value index = additive(depth + 1);
                    expect("]");
                    v = v.index(index.requireScalar());
                } else {
                    return v;
                }
            }
        }

        private Value primary(int depth) throws ValueException {
            Token t = peek(0);
            switch (t.kind()) {
                case NUMBER -> {
                    next++;
                    return number(t);
                }
                case REGISTER -> {
                    next++;
                    long value = registers.apply(t.text()).orElseThrow(() -> new ValueException(
                        "no register $" + t.text() + " in this frame"));
                    // Code and stack addresses read best as pointers: in hex, with the symbol they are in.
                    CType type = ADDRESS_REGISTERS.contains(t.text()) ? new CType.Pointer(context.types().parse("void")
                        .orElse(new CType.Untyped())) : integer("unsigned long");
                    return Value.of(context, type, value, "$" + t.text());
                }
                case NAME -> {
                    next++;
                    return name(t.text());
                }
                default -> {
                    if (accept("(")) {
                        Value inner = additive(depth + 1);
                        expect(")");
                        return inner;
                    }
                    throw unexpected("a name, a number, a register or '('");
                }
            }
        }

        private Value number(Token t) throws ValueException {
            String digits = t.text().toLowerCase();
            while (digits.endsWith("u") || digits.endsWith("l")) {
                digits = digits.substring(0, digits.length() - 1);
            }
            try {
                long value = digits.startsWith("0x") ? Long.parseUnsignedLong(digits.substring(2), 16)
                    : digits.length() > 1 && digits.startsWith("0") ? Long.parseUnsignedLong(digits.substring(1), 8)
                    : Long.parseUnsignedLong(digits);
                return Value.of(context, integer(value < 0 || value > Integer.MAX_VALUE ? "unsigned long" : "int"),
                    value, t.text());
            } catch (NumberFormatException e) {
                throw new ValueException("'" + t.text() + "' at column " + (t.at() + 1) + " is not a number");
            }
        }

        private Value name(String name) throws ValueException {
            Optional<Symbol> symbol = context.symbols().lookup(name);
            if (symbol.isPresent()) {
                return Value.at(context, globalType(name).orElse(new CType.Untyped()), symbol.get().address(), name);
            }
            OptionalLong enumerator = context.types().btf().enumerator(name);
            if (enumerator.isPresent()) {
                return Value.of(context, integer("long"), enumerator.getAsLong(), name);
            }
            throw new ValueException("no symbol \"" + name + "\" in this kernel");
        }
    }

    private CType integer(String name) {
        return context.types().integer(name).orElse(new CType.Untyped());
    }

    /** A global variable's type from DWARF, or empty without the debug vmlinux or a declaration. */
    private Optional<CType> globalType(String name) throws ValueException {
        if (globals.isEmpty()) {
            return Optional.empty();
        }
        Optional<CType> cached = globalTypes.get(name);
        if (cached != null) {
            return cached;
        }
        Optional<CType> type;
        try {
            type = globals.get().typeOf(name).flatMap(context.types()::fromDeclared);
        } catch (IOException e) {
            throw new ValueException("cannot read the type of " + name + " from the vmlinux's DWARF: " + e.getMessage());
        }
        globalTypes.put(name, type);
        return type;
    }
}
