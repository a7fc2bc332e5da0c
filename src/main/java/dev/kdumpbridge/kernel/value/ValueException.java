package dev.kdumpbridge.kernel.value;

/** An expression that cannot be evaluated, with a message for people: what is wrong and where. */
public final class ValueException extends Exception {
    private static final long serialVersionUID = 1L;

    public ValueException(String message) {
        super(message);
    }
}
