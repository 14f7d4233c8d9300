package org.jpymalloc.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The C allocators jpymalloc is compared with, as a Java program reaches them at its best: glibc's
 * {@code malloc}/{@code realloc}/{@code free}, mimalloc ({@code libmimalloc.so.2}) and tcmalloc
 * ({@code libtcmalloc_minimal.so.4}) loaded with {@code dlopen}, and jemalloc, which cannot be
 * {@code dlopen}ed (static TLS) and is reached only when {@code LD_PRELOAD} put it in the process. Each is
 * called through {@link Linker.Option#critical(boolean) critical} downcalls ({@link Calling#CRITICAL}: no
 * thread-state transition, what a Java binding of an allocator should use); the name with
 * {@code -plain} ({@code glibc-plain}) calls the same functions through plain downcalls, labelled as what a
 * naive binding costs. Each comes with its own statistics call for the bytes it holds from the OS. The
 * bench module's only {@link Linker} user, as {@code NativeMemory} is the library's.
 */
public final class NativePeers {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final List<String> LIBRARY_DIRS = List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
            "/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib");

    /** Reads how many bytes an allocator holds from the OS now. */
    @FunctionalInterface
    public interface MemoryProbe {
        long mappedBytes();
    }

    /** How a peer's functions are called from Java. */
    public enum Calling {
        CRITICAL("critical downcalls (Linker.Option.critical(false): no thread-state transition)"),
        PLAIN("plain downcalls (a thread-state transition per call: what a naive binding pays)");

        private final String description;

        Calling(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }

        Linker.Option[] options() {
            return this == CRITICAL ? new Linker.Option[] {Linker.Option.critical(false)} : new Linker.Option[0];
        }
    }

    /** The suffix of a peer's name that selects {@link Calling#PLAIN}: {@code glibc-plain}. */
    public static final String PLAIN_SUFFIX = "-plain";

    /**
     * A C allocator's entry points.
     *
     * @param calling how {@code malloc}, {@code free} and {@code realloc} are called
     * @param probe the bytes the allocator holds from the OS now
     * @param baseline what {@code probe} counts that a replay did not cause: for a process-wide malloc,
     *     the bytes of the JVM's own live blocks (free space is the allocator's either way); for a library
     *     only the replay uses, the same as {@code probe}
     * @param probeDescription what {@code probe} and {@code baseline} measure, for reports
     */
    public record CAllocator(String name, Calling calling, MethodHandle malloc, MethodHandle free,
                             MethodHandle realloc, MemoryProbe probe, MemoryProbe baseline, String probeDescription) {

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

        public long realloc(long address, long byteSize) {
            try {
                return (long) realloc.invokeExact(address, byteSize);
            } catch (Throwable t) {
                throw new IllegalStateException(name + " realloc failed", t);
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

    /** The names {@link #byName} knows: each peer called at its best, then each through plain downcalls. */
    public static List<String> names() {
        List<String> best = List.of("glibc", "mimalloc", "tcmalloc", "jemalloc");
        return java.util.stream.Stream.concat(best.stream(), best.stream().map(n -> n + PLAIN_SUFFIX)).toList();
    }

    /**
     * A peer by name, or empty with the reason in {@code why[0]} when it cannot be reached in this process
     * (library not installed; jemalloc without {@code LD_PRELOAD}).
     */
    public static Optional<CAllocator> byName(String name, String[] why) {
        Calling calling = name.endsWith(PLAIN_SUFFIX) ? Calling.PLAIN : Calling.CRITICAL;
        String base = calling == Calling.PLAIN ? name.substring(0, name.length() - PLAIN_SUFFIX.length()) : name;
        Optional<CAllocator> peer = switch (base) {
            case "glibc" -> Optional.of(libc(calling));
            case "mimalloc" -> mimalloc(calling);
            case "tcmalloc" -> tcmalloc(calling);
            case "jemalloc" -> jemalloc(calling);
            default -> throw new IllegalArgumentException("unknown C allocator '" + name + "' (known: " + names() + ")");
        };
        if (peer.isEmpty()) {
            why[0] = switch (base) {
                case "jemalloc" -> libraryPath("libjemalloc.so.2").isEmpty()
                        ? "libjemalloc.so.2 is not installed (apt-get install libjemalloc2)"
                        : "jemalloc cannot be dlopen'ed; run with LD_PRELOAD=" + libraryPath("libjemalloc.so.2").get();
                case "mimalloc" -> "libmimalloc.so.2 is not installed (apt-get install libmimalloc2.0)";
                default -> "libtcmalloc_minimal.so.4 is not installed (apt-get install libtcmalloc-minimal4)";
            };
        }
        return peer;
    }

    /**
     * The process's {@code malloc}: glibc's unless {@code LD_PRELOAD} put another in front (then its
     * probe still asks glibc's {@code mallinfo2}, which no longer sees those blocks).
     */
    public static CAllocator libc() {
        return libc(Calling.CRITICAL);
    }

    /** {@link #libc()}, called as {@code calling} says. */
    public static CAllocator libc(Calling calling) {
        SymbolLookup libc = LINKER.defaultLookup();
        MethodHandle mallinfo2 = LINKER.downcallHandle(find(libc, "mallinfo2"), FunctionDescriptor.of(MALLINFO2));
        MemoryProbe held = () -> mallinfo2(mallinfo2, "arena") + mallinfo2(mallinfo2, "hblkhd");
        MemoryProbe inUse = () -> mallinfo2(mallinfo2, "uordblks") + mallinfo2(mallinfo2, "hblkhd");
        return new CAllocator(named("glibc", calling), calling, handle(libc, "malloc", true, calling),
                handle(libc, "free", false, calling), reallocHandle(libc, "realloc", calling), held, inUse,
                "glibc mallinfo2(): arena + hblkhd (heap and mmapped chunks held), less the JVM's own live "
                        + "blocks before the replay (uordblks + hblkhd)");
    }

    /** mimalloc 2.0 from Debian's libmimalloc2.0, if installed. */
    public static Optional<CAllocator> mimalloc() {
        return mimalloc(Calling.CRITICAL);
    }

    /** {@link #mimalloc()}, called as {@code calling} says. */
    public static Optional<CAllocator> mimalloc(Calling calling) {
        return library("libmimalloc.so.2").map(lib -> {
            MethodHandle processInfo = LINKER.downcallHandle(find(lib, "mi_process_info"),
                    FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
            MemoryProbe probe = () -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment out = arena.allocate(JAVA_LONG, 8);
                    processInfo.invokeExact(out, out.asSlice(8), out.asSlice(16), out.asSlice(24), out.asSlice(32),
                            out.asSlice(40), out.asSlice(48), out.asSlice(56));
                    return out.getAtIndex(JAVA_LONG, 5); // current_commit
                } catch (Throwable t) {
                    throw new IllegalStateException("mi_process_info failed", t);
                }
            };
            return new CAllocator(named("mimalloc", calling), calling, handle(lib, "mi_malloc", true, calling),
                    handle(lib, "mi_free", false, calling), reallocHandle(lib, "mi_realloc", calling), probe, probe,
                    "mimalloc mi_process_info(): current_commit, less its value before the replay");
        });
    }

    /** tcmalloc (minimal) from Debian's libtcmalloc-minimal4, if installed. */
    public static Optional<CAllocator> tcmalloc() {
        return tcmalloc(Calling.CRITICAL);
    }

    /** {@link #tcmalloc()}, called as {@code calling} says. */
    public static Optional<CAllocator> tcmalloc(Calling calling) {
        return library("libtcmalloc_minimal.so.4").map(lib -> {
            MethodHandle property = LINKER.downcallHandle(find(lib, "MallocExtension_GetNumericProperty"),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
            MemoryProbe probe = () -> tcmallocProperty(property, "generic.heap_size")
                    - tcmallocProperty(property, "tcmalloc.pageheap_unmapped_bytes");
            return new CAllocator(named("tcmalloc", calling), calling, handle(lib, "tc_malloc", true, calling),
                    handle(lib, "tc_free", false, calling), reallocHandle(lib, "tc_realloc", calling), probe, probe,
                    "tcmalloc: generic.heap_size - tcmalloc.pageheap_unmapped_bytes, less its value before the replay");
        });
    }

    /** jemalloc, only when {@code LD_PRELOAD} loaded it (then it is also this process's malloc). */
    public static Optional<CAllocator> jemalloc() {
        return jemalloc(Calling.CRITICAL);
    }

    /** {@link #jemalloc()}, called as {@code calling} says. */
    public static Optional<CAllocator> jemalloc(Calling calling) {
        String preload = System.getenv("LD_PRELOAD");
        if (preload == null || !preload.contains("jemalloc")) {
            return Optional.empty();
        }
        return library("libjemalloc.so.2").map(lib -> {
            MethodHandle mallctl = LINKER.downcallHandle(find(lib, "mallctl"),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
            return new CAllocator(named("jemalloc", calling), calling, handle(lib, "malloc", true, calling),
                    handle(lib, "free", false, calling), reallocHandle(lib, "realloc", calling), () -> jemallocStat(mallctl, "stats.mapped"),
                    () -> jemallocStat(mallctl, "stats.allocated"),
                    "jemalloc mallctl(): stats.mapped, less the JVM's own live blocks before the replay "
                            + "(stats.allocated; LD_PRELOAD makes jemalloc the whole process's malloc)");
        });
    }

    /** Where a library is installed, for {@code LD_PRELOAD}. */
    public static Optional<Path> libraryPath(String soname) {
        return LIBRARY_DIRS.stream().map(dir -> Path.of(dir, soname)).filter(Files::exists).findFirst();
    }

    private static final MemoryLayout MALLINFO2 = MemoryLayout.structLayout(
            JAVA_LONG.withName("arena"), JAVA_LONG.withName("ordblks"), JAVA_LONG.withName("smblks"),
            JAVA_LONG.withName("hblks"), JAVA_LONG.withName("hblkhd"), JAVA_LONG.withName("usmblks"),
            JAVA_LONG.withName("fsmblks"), JAVA_LONG.withName("uordblks"), JAVA_LONG.withName("fordblks"),
            JAVA_LONG.withName("keepcost"));

    private static long tcmallocProperty(MethodHandle property, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_LONG);
            int ok = (int) property.invokeExact(arena.allocateFrom(name), value);
            if (ok == 0) {
                throw new IllegalStateException("tcmalloc has no property " + name);
            }
            return value.get(JAVA_LONG, 0);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("MallocExtension_GetNumericProperty failed", t);
        }
    }

    private static long mallinfo2(MethodHandle mallinfo2, String field) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = (MemorySegment) mallinfo2.invokeExact((java.lang.foreign.SegmentAllocator) arena);
            return info.get(JAVA_LONG, MALLINFO2.byteOffset(MemoryLayout.PathElement.groupElement(field)));
        } catch (Throwable t) {
            throw new IllegalStateException("mallinfo2 failed", t);
        }
    }

    private static long jemallocStat(MethodHandle mallctl, String stat) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment epoch = arena.allocate(JAVA_LONG);
            epoch.set(JAVA_LONG, 0, 1);
            int refreshed = (int) mallctl.invokeExact(arena.allocateFrom("epoch"), MemorySegment.NULL,
                    MemorySegment.NULL, epoch, 8L);
            MemorySegment mapped = arena.allocate(JAVA_LONG);
            MemorySegment length = arena.allocate(JAVA_LONG);
            length.set(JAVA_LONG, 0, 8);
            int read = (int) mallctl.invokeExact(arena.allocateFrom(stat), mapped, length,
                    MemorySegment.NULL, 0L);
            if (refreshed != 0 || read != 0) {
                throw new IllegalStateException("mallctl failed: epoch " + refreshed + ", " + stat + " " + read);
            }
            return mapped.get(JAVA_LONG, 0);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("mallctl failed", t);
        }
    }

    private static Optional<SymbolLookup> library(String soname) {
        try {
            return Optional.of(SymbolLookup.libraryLookup(soname, Arena.global()));
        } catch (IllegalArgumentException notInstalled) {
            return Optional.empty();
        }
    }

    private static MemorySegment find(SymbolLookup lookup, String name) {
        return lookup.find(name).orElseThrow(() -> new UnsatisfiedLinkError("no symbol " + name));
    }

    private static String named(String name, Calling calling) {
        return calling == Calling.PLAIN ? name + PLAIN_SUFFIX : name;
    }

    private static MethodHandle handle(SymbolLookup lookup, String name, boolean returnsPointer, Calling calling) {
        FunctionDescriptor descriptor = returnsPointer
                ? FunctionDescriptor.of(JAVA_LONG, JAVA_LONG)
                : FunctionDescriptor.ofVoid(JAVA_LONG);
        return LINKER.downcallHandle(find(lookup, name), descriptor, calling.options());
    }

    private static MethodHandle reallocHandle(SymbolLookup lookup, String name, Calling calling) {
        return LINKER.downcallHandle(find(lookup, name), FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG),
                calling.options());
    }
}
