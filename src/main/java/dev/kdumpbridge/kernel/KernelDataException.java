package dev.kdumpbridge.kernel;

/**
 * The kernel's own data cannot be used: a symbol or struct member this kernel does not have, or
 * a value that makes no sense. The message says which and, where there is one, at what address.
 */
public final class KernelDataException extends Exception {
    private static final long serialVersionUID = 1L;

    public KernelDataException(String message) {
        super(message);
    }

    public KernelDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
