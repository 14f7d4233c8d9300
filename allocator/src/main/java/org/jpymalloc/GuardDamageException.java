package org.jpymalloc;

/**
 * Memory around or in a block was written where it must not be: a guard byte before or after the block
 * (an overrun from native code or a {@code reinterpret}ed segment), or a freed block waiting in the debug
 * quarantine (a write after free). Thrown by an allocator built with
 * {@link PyMalloc.Builder#debugHooks(boolean)}; the message reads like CPython's debug report.
 * The damaged block is not freed or reused, so nothing else is hurt.
 */
public final class GuardDamageException extends IllegalStateException {

    private final long address;

    GuardDamageException(long address, String report) {
        super(report);
        this.address = address;
    }

    /** The address of the damaged block (what the caller was given). */
    public long address() {
        return address;
    }
}
