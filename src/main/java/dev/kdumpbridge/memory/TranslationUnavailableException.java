package dev.kdumpbridge.memory;

/**
 * The dump does not say enough to translate kernel-virtual addresses: no page-table root can be
 * found (no VMCOREINFO and no CPU state to take one from), or the architecture has no walker
 * yet. Physical reads still work.
 */
public final class TranslationUnavailableException extends Exception {
    private static final long serialVersionUID = 1L;

    public TranslationUnavailableException(String message) {
        super(message);
    }
}
