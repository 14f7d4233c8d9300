package org.jpymalloc.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The C allocators jpymalloc is compared with, as a Java program reaches them: {@code malloc}/{@code free}
 * through plain {@link Linker} downcalls (the default glibc, or whatever {@code LD_PRELOAD} put in front
 * of it), and mimalloc's {@code mi_malloc}/{@code mi_free} from {@code libmimalloc.so.2}. The bench
 * module's only {@link Linker} user, as {@code NativeMemory} is the library's.
 */
public final class NativePeers {

    private static final Linker LINKER = Linker.nativeLinker();

    /** A {@code malloc}/{@code free} pair of functions. */
    public record CAllocator(String name, MethodHandle malloc, MethodHandle free) {

        public long malloc(long byteSize) {
            try {
                return (long) malloc.invokeExact(byteSize);
            } catch (Throwable t) {
                throw new IllegalStateException(name + " malloc failed", t);
            }
        }

        public void free(long address) {
            try {
                free.invokeExact(address);
            } catch (Throwable t) {
                throw new IllegalStateException(name + " free failed", t);
            }
        }

        /** {@code malloc} wrapped as a segment of exactly {@code byteSize} bytes, as a Java caller uses it. */
        public MemorySegment allocate(long byteSize) {
            long address = malloc(byteSize);
            if (address == 0) {
                throw new OutOfMemoryError(name + " could not allocate " + byteSize + " bytes");
            }
            return MemorySegment.ofAddress(address).reinterpret(byteSize);
        }
    }

    private NativePeers() {
    }

    /** The process's {@code malloc}: glibc's, unless {@code LD_PRELOAD} put another in front. */
    public static CAllocator libc() {
        SymbolLookup libc = LINKER.defaultLookup();
        return new CAllocator("glibc", handle(libc, "malloc", true), handle(libc, "free", false));
    }

    /** mimalloc 2.0 from Debian's libmimalloc2.0, if installed. */
    public static Optional<CAllocator> mimalloc() {
        return library("libmimalloc.so.2")
                .map(lib -> new CAllocator("mimalloc", handle(lib, "mi_malloc", true), handle(lib, "mi_free", false)));
    }

    /** tcmalloc (minimal) from Debian's libtcmalloc-minimal4, if installed. */
    public static Optional<CAllocator> tcmalloc() {
        return library("libtcmalloc_minimal.so.4")
                .map(lib -> new CAllocator("tcmalloc", handle(lib, "tc_malloc", true), handle(lib, "tc_free", false)));
    }

    /** Whether {@code LD_PRELOAD} replaced the process's malloc (how jemalloc is measured). */
    public static String libcName() {
        String preload = System.getenv("LD_PRELOAD");
        if (preload == null || preload.isBlank()) {
            return "glibc";
        }
        return preload.contains("jemalloc") ? "jemalloc" : preload.contains("tcmalloc") ? "tcmalloc" : preload;
    }

    private static Optional<SymbolLookup> library(String soname) {
        try {
            return Optional.of(SymbolLookup.libraryLookup(soname, Arena.global()));
        } catch (IllegalArgumentException notInstalled) {
            return Optional.empty();
        }
    }

    private static MethodHandle handle(SymbolLookup lookup, String name, boolean returnsPointer) {
        MemorySegment symbol = lookup.find(name).orElseThrow(() -> new UnsatisfiedLinkError("no symbol " + name));
        FunctionDescriptor descriptor = returnsPointer
                ? FunctionDescriptor.of(JAVA_LONG, JAVA_LONG)
                : FunctionDescriptor.ofVoid(JAVA_LONG);
        return LINKER.downcallHandle(symbol, descriptor);
    }
}
