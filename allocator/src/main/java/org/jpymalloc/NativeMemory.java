package org.jpymalloc;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Every call into the C library, in one place (mimalloc's {@code prim.c}): {@code mmap}/{@code munmap}
 * for arenas, {@code malloc}/{@code calloc}/{@code posix_memalign}/{@code free}
 * for the system path, {@code membarrier} for the shared allocator's owner bias. No other class touches {@link Linker}.
 *
 * <p>Pointers and {@code size_t} travel as {@code long} (64-bit Linux only), so a call allocates no
 * {@link MemorySegment}. Failures come back as {@code 0} (or {@link #MAP_FAILED}); the callers turn them
 * into exceptions. {@code mmap} captures {@code errno} so that the exception can say why.
 */
final class NativeMemory {

    /** {@code PROT_READ | PROT_WRITE} on Linux. */
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    /** {@code MAP_PRIVATE | MAP_ANONYMOUS} on Linux (x86-64 and AArch64). */
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
    /** {@code (void *) -1}. */
    static final long MAP_FAILED = -1L;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle MMAP = downcall("mmap",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG),
            Linker.Option.captureCallState("errno"));
    private static final MethodHandle MUNMAP = downcall("munmap",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle MALLOC = downcall("malloc", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG));
    private static final MethodHandle CALLOC = downcall("calloc",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle POSIX_MEMALIGN = downcall("posix_memalign",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle FREE = downcall("free", FunctionDescriptor.ofVoid(JAVA_LONG));
    /** {@code long syscall(long number, ...)}, with two int arguments after the number. */
    private static final MethodHandle SYSCALL_2 = downcall("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(1));

    /** {@code __NR_membarrier} on x86-64 and AArch64 (the generic table: 283; x86-64: 324). */
    private static final long SYS_MEMBARRIER = "aarch64".equals(System.getProperty("os.arch")) ? 283 : 324;
    private static final int MEMBARRIER_CMD_QUERY = 0;
    private static final int MEMBARRIER_CMD_PRIVATE_EXPEDITED = 1 << 3;
    private static final int MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED = 1 << 4;

    /**
     * The whole address space as one segment, for the allocator's own reads and writes of memory it has
     * mapped (pool headers, free-list links). Never handed out: user segments are slices of an arena's
     * scoped segment. Being a constant, the JIT folds its liveness check away.
     */
    static final MemorySegment EVERYTHING = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private NativeMemory() {
    }

    /**
     * Test hook: the next this-many {@code mmap} calls fail as the kernel's would with ENOMEM (12), so
     * that tests can show what a refused mapping does. Read only on the arena-mapping path.
     */
    static final java.util.concurrent.atomic.AtomicInteger FAIL_NEXT_MMAPS = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * Every address {@link #EVERYTHING} is read at by {@link PoolHeader} is below 2^62, and is passed through
     * this mask: it changes no such address, and it tells C2 the offset's range, which proves the
     * segment's bounds check, so the compiled code has no check and no trap for it (docs/design.md,
     * "Performance notes"). Linux gives user space at most 57 bits on x86-64 and 52 on AArch64;
     * {@link #mmap} refuses a mapping that ends above it all the same.
     */
    static final long ADDRESS_MASK = (1L << 62) - 1;

    /** Whether {@code [address, address + byteSize)} lies below {@link #ADDRESS_MASK}'s limit. */
    static boolean belowAddressLimit(long address, long byteSize) {
        return address >= 0 && byteSize >= 0 && address <= ADDRESS_MASK && byteSize - 1 <= ADDRESS_MASK - address;
    }

    /** Maps {@code byteSize} bytes of private, anonymous, zeroed memory; answers the address. */
    static long mmap(long byteSize) throws NativeCallException {
        if (FAIL_NEXT_MMAPS.get() > 0 && FAIL_NEXT_MMAPS.getAndDecrement() > 0) {
            throw new NativeCallException("mmap(" + byteSize + ") failed with errno 12 (injected by a test)");
        }
        try (var confined = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment state = confined.allocate(CALL_STATE);
            long address = (long) MMAP.invokeExact(state, 0L, byteSize, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
            if (address == MAP_FAILED) {
                throw new NativeCallException("mmap(" + byteSize + ") failed with errno " + (int) ERRNO.get(state, 0L));
            }
            if (!belowAddressLimit(address, byteSize)) {
                munmap(address, byteSize);
                throw new NativeCallException("mmap(" + byteSize + ") answered 0x" + Long.toHexString(address)
                        + ", which ends above the 2^62 addresses the pool headers are read at");
            }
            return address;
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static void munmap(long address, long byteSize) {
        int result;
        try {
            result = (int) MUNMAP.invokeExact(address, byteSize);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (result != 0) {
            // munmap of a range we mapped cannot fail unless our bookkeeping is broken.
            throw new IllegalStateException("munmap(0x" + Long.toHexString(address) + ", " + byteSize + ") failed");
        }
    }

    /** {@code malloc}; 0 when it fails. */
    static long malloc(long byteSize) {
        try {
            return (long) MALLOC.invokeExact(byteSize);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code calloc(1, byteSize)}; 0 when it fails. */
    static long calloc(long byteSize) {
        try {
            return (long) CALLOC.invokeExact(1L, byteSize);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code posix_memalign}; 0 when it fails. {@code byteAlignment} is a power of two. */
    static long alignedMalloc(long byteSize, long byteAlignment) {
        long alignment = Math.max(byteAlignment, Long.BYTES); // posix_memalign wants a multiple of sizeof(void*)
        try (var confined = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment out = confined.allocate(ValueLayout.JAVA_LONG);
            int error = (int) POSIX_MEMALIGN.invokeExact(out.address(), alignment, byteSize);
            return error == 0 ? out.get(ValueLayout.JAVA_LONG, 0) : 0L;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static void free(long address) {
        try {
            FREE.invokeExact(address);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * Registers this process for {@link #processBarrier()} ({@code membarrier(2)}, private expedited);
     * false if the kernel or the platform has no such barrier (then it must not be called).
     */
    static boolean registerProcessBarrier() {
        if (!"Linux".equals(System.getProperty("os.name"))) {
            return false;
        }
        try {
            long commands = (long) SYSCALL_2.invokeExact(SYS_MEMBARRIER, MEMBARRIER_CMD_QUERY, 0);
            int needed = MEMBARRIER_CMD_PRIVATE_EXPEDITED | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED;
            return commands >= 0 && (commands & needed) == needed
                    && (long) SYSCALL_2.invokeExact(SYS_MEMBARRIER, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0) == 0;
        } catch (Throwable t) {
            return false;
        }
    }

    /**
     * A full memory barrier on every running thread of this process ({@code membarrier(2)}): when it
     * returns, each other thread has passed a barrier, so its earlier stores are visible here and its
     * later loads see this thread's earlier stores. An interrupt to each processor running one; needs
     * {@link #registerProcessBarrier()} first.
     */
    static void processBarrier() {
        long result;
        try {
            result = (long) SYSCALL_2.invokeExact(SYS_MEMBARRIER, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (result != 0) {
            // Registered and supported, so only a broken kernel gets here; going on would be unsafe.
            throw new IllegalStateException("membarrier(PRIVATE_EXPEDITED) failed: " + result);
        }
    }

    /** Copies {@code byteSize} bytes between two ranges the allocator owns. */
    static void copy(long from, long to, long byteSize) {
        MemorySegment.copy(EVERYTHING, from, EVERYTHING, to, byteSize);
    }

    /** Zeroes a range the allocator owns. */
    static void zero(long address, long byteSize) {
        EVERYTHING.asSlice(address, byteSize).fill((byte) 0);
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("the C library has no symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    private static IllegalStateException unexpected(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call failed", t);
    }

    /** A native call that reported failure; the allocator turns it into an {@link OutOfMemoryError}. */
    static final class NativeCallException extends Exception {
        private static final long serialVersionUID = 1L;

        NativeCallException(String message) {
            super(message, null, false, false);
        }
    }
}
