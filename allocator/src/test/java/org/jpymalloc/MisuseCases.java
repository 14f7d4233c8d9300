package org.jpymalloc;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Programs that misuse the allocator on purpose, each run in a child JVM by {@link MisuseInChildJvmTest}
 * (mimalloc's {@code test-wrong.c}). A case passes when it prints {@code PASSED <case>} and exits
 * normally: every misuse got the exception the case expects (or, where the misuse cannot be seen, none),
 * every other live block kept its bytes, the allocator still allocates and frees, its invariants and
 * statistics hold, and the JVM did not crash.
 *
 * <p>Usage: {@code MisuseCases CASE [ARG]}; the cases are {@link #CASES}' keys.
 */
final class MisuseCases {

    private static final long BLOCK = 64;
    private static final int LATER_ALLOCATIONS = 20_000;

    /** What a program writes into a freed block's first word: a name, and the value given the scene. */
    private static final Map<String, Function<Scene, Long>> LINK_VALUES = new LinkedHashMap<>();

    static {
        LINK_VALUES.put("zero", s -> 0L);
        LINK_VALUES.put("small", s -> 8L);
        LINK_VALUES.put("huge", s -> 0x7fff_ffff_ffff_fff0L);
        LINK_VALUES.put("minus-one", s -> -1L);
        LINK_VALUES.put("pattern", s -> 0x4141_4141_4141_4141L);
        LINK_VALUES.put("interior", s -> s.victim + 16);
        LINK_VALUES.put("live-sibling", s -> s.liveSibling);
        LINK_VALUES.put("free-sibling", s -> s.freeSibling);
        LINK_VALUES.put("other-pool", s -> s.otherPool);
        LINK_VALUES.put("pool-header", s -> s.victim & -Geometry.CPYTHON_3_9.poolSize());
        LINK_VALUES.put("other-arena", s -> s.otherArena);
        LINK_VALUES.put("other-allocator", s -> s.otherAllocator);
    }

    /** Case name to its program; the argument is the case's parameter (a mode or bias policy). */
    static final Map<String, CaseBody> CASES = new LinkedHashMap<>();

    static {
        CASES.put("local-link", MisuseCases::localLink);
        CASES.put("remote-link", MisuseCases::remoteLink);
        CASES.put("double-free-race", MisuseCases::doubleFreeRace);
        CASES.put("closed-free-other-thread", MisuseCases::closedFreeFromOtherThread);
        CASES.put("close-race", arg -> CloseRace.run(bias(arg)));
        CASES.put("close-race-thread-heaps", arg -> CloseRace.run(bias(arg), true));
        CASES.put("geometry-grid", arg -> GeometryGrid.run());
        CASES.put("stress", arg -> new SharedStressTest().blocksHandedBetweenThreadsKeepTheirBytesAndAllComeBack(
                bias(arg)));
        CASES.put("thread-heap-stress", arg -> new ThreadHeapStressTest().platformThreads());
    }

    interface CaseBody {
        void run(String argument) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        String name = args[0];
        String argument = args.length > 1 ? args[1] : "";
        CaseBody body = CASES.get(name);
        if (body == null) {
            throw new IllegalArgumentException("unknown case " + name + "; cases: " + CASES.keySet());
        }
        try {
            body.run(argument);
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
        System.out.println("PASSED " + name + " " + argument);
        System.exit(0); // the close-race case may leave daemon-less pool threads behind on failure paths
    }

    /** A freed block and the addresses a program could write into its link. */
    private record Scene(long victim, long liveSibling, long freeSibling, long otherPool, long otherArena,
                         long otherAllocator) {
    }

    // ---- write after free: a pool's free list ----

    /** {@code confined} or {@code shared}: every link value written into a freed block's first word, then its middle. */
    private static void localLink(String mode) {
        for (String value : LINK_VALUES.keySet()) {
            writeAfterLocalFree(mode, value);
        }
        writeAfterLocalFree(mode, "middle");
    }

    private static void writeAfterLocalFree(String mode, String value) {
        System.out.println("local-link " + mode + " " + value);
        try (PyMalloc other = PyMalloc.ofConfined()) {
            PyMalloc allocator = "shared".equals(mode) ? PyMalloc.ofShared() : PyMalloc.ofConfined();
            LiveBlocks bystanders = LiveBlocks.of(allocator, 1, 16, 17, 100, 512, 513, 0, 5000);
            List<MemorySegment> blocks = allocateBlocks(allocator, 100);
            MemorySegment freeSibling = blocks.get(30);
            MemorySegment victim = blocks.get(20);
            Scene scene = scene(allocator, other, blocks, victim, freeSibling);
            allocator.free(freeSibling);
            allocator.free(blocks.get(40));
            allocator.free(victim); // the pool's free list: victim -> blocks[40] -> freeSibling -> ...
            blocks.removeAll(List.of(blocks.get(40), freeSibling, victim));
            long written = writeLink(victim, value, scene);
            List<IllegalStateException> reports = allocateMany(allocator, blocks);
            boolean visible = !value.equals("zero") && !value.equals("middle") && !value.equals("free-sibling");
            expect(reports.size() == (visible ? 1 : 0) || value.equals("free-sibling") && reports.size() <= 1,
                    value + ": " + reports.size() + " corruption reports " + reports);
            for (IllegalStateException report : reports) {
                expect(report.getMessage().contains("0x" + Long.toHexString(written)),
                        "the report names the bad link 0x" + Long.toHexString(written) + ": " + report.getMessage());
            }
            finish(allocator, blocks, bystanders);
        }
    }

    // ---- write after free: the remote-free stack of a shared heap ----

    /**
     * The reproduction, for every link value: the owner allocates 100 blocks, another thread frees
     * two (they wait on the owner's remote-free stack, linked through their first words), the program
     * writes into the second, and the owner allocates 20,000 more.
     */
    private static void remoteLink(String argument) throws Exception {
        String[] policyAndValue = argument.split(":", 2); // "default" for every value, "default:pattern" for one
        if (policyAndValue.length == 2) {
            writeAfterRemoteFree(policyAndValue[0], policyAndValue[1]);
            return;
        }
        for (String value : LINK_VALUES.keySet()) {
            writeAfterRemoteFree(argument, value);
        }
        writeAfterRemoteFree(argument, "middle");
    }

    private static void writeAfterRemoteFree(String policy, String value) throws Exception {
        System.out.println("remote-link " + policy + " " + value);
        try (PyMalloc other = PyMalloc.ofConfined()) {
            SharedAllocator allocator = SharedStressTest.withBiasPolicy(bias(policy));
            LiveBlocks bystanders = LiveBlocks.of(allocator, 1, 16, 17, 100, 512, 513, 0, 5000);
            List<MemorySegment> blocks = allocateBlocks(allocator, 100);
            MemorySegment first = blocks.get(10);
            MemorySegment victim = blocks.get(20);
            Scene scene = scene(allocator, other, blocks, victim, blocks.get(30));
            allocator.free(blocks.get(30));
            CompletableFuture.runAsync(() -> {
                allocator.free(first);
                allocator.free(victim);
            }).get(1, TimeUnit.MINUTES);
            blocks.removeAll(List.of(first, victim, blocks.get(30)));
            long written = writeLink(victim, value, scene);
            List<IllegalStateException> reports = allocateMany(allocator, blocks);
            boolean remote = bias(policy) >= 0 && StripeLock.BIAS_SUPPORTED;
            if (remote) {
                // Every value a program writes decodes to no block (links are encoded), "middle" leaves the link.
                expect(reports.size() == (value.equals("middle") ? 0 : 1), value + ": " + reports);
                for (IllegalStateException report : reports) {
                    expect(report.getMessage().contains("0x" + Long.toHexString(victim.address())),
                            "the report names the block whose link is corrupt: " + report.getMessage());
                }
            } else {
                // No owner: both frees went to the pool's free list, as in the local case.
                boolean visible = !value.equals("zero") && !value.equals("middle") && !value.equals("free-sibling");
                expect(reports.size() == (visible ? 1 : 0) || value.equals("free-sibling") && reports.size() <= 1,
                        value + ": " + reports);
            }
            finish(allocator, blocks, bystanders);
        }
    }

    // ---- frees racing each other, and close ----

    /**
     * The same block freed by two threads at once, many times. Under the lock (bias off) exactly one free
     * is rejected every time. With an owner, the owner's free does not fence against a remote free (that
     * would cost every free an atomic instruction), so in a narrow window both are accepted; what follows
     * is the program's double free playing out (the block freed again later, a corrupt-list report), and
     * the case checks that it plays out with exceptions only (docs/safety.md).
     */
    private static void doubleFreeRace(String policy) throws Exception {
        SharedAllocator allocator = SharedStressTest.withBiasPolicy(bias(policy));
        boolean exact = bias(policy) < 0 || !StripeLock.BIAS_SUPPORTED;
        int oneRejected = 0;
        int other = 0;
        CyclicBarrier barrier = new CyclicBarrier(2);
        for (int i = 0; i < 2_000; i++) {
            MemorySegment block = allocateTolerating(allocator, exact);
            CompletableFuture<Boolean> theirs = CompletableFuture.supplyAsync(() -> freeAtBarrier(allocator, block,
                    barrier));
            boolean mine = freeAtBarrier(allocator, block, barrier);
            boolean their = theirs.get(1, TimeUnit.MINUTES);
            if (mine != their) {
                oneRejected++;
            } else {
                expect(!exact, "under the lock exactly one of two frees succeeds (iteration " + i + ")");
                other++;
            }
        }
        System.out.println("double frees: one of two rejected " + oneRejected + " times; otherwise " + other);
        expect(oneRejected > 1_000, "double frees are rejected");
        allocator.checkInvariants();
        allocator.stats().checkIdentity();
        allocator.close();
    }

    private static MemorySegment allocateTolerating(PyMalloc allocator, boolean exact) {
        while (true) {
            try {
                return allocator.allocate(BLOCK);
            } catch (IllegalStateException corrupt) {
                expect(!exact && corrupt.getMessage().contains("corrupt"), corrupt.toString());
            }
        }
    }

    private static boolean freeAtBarrier(PyMalloc allocator, MemorySegment block, CyclicBarrier barrier) {
        try {
            barrier.await(1, TimeUnit.MINUTES);
            allocator.free(block);
            return true;
        } catch (IllegalArgumentException doubleFree) {
            expect(doubleFree.getMessage().contains("0x" + Long.toHexString(block.address())), doubleFree.getMessage());
            return false;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A closed allocator's blocks, freed and written from another thread: exceptions, no crash. */
    private static void closedFreeFromOtherThread(String unused) throws Exception {
        PyMalloc allocator = PyMalloc.ofShared();
        List<MemorySegment> blocks = allocateBlocks(allocator, 10);
        MemorySegment big = allocator.allocate(10_000);
        allocator.close();
        CompletableFuture.runAsync(() -> {
            for (MemorySegment s : List.of(blocks.get(0), big)) {
                expectThrows(IllegalStateException.class, () -> allocator.free(s));
                expectThrows(IllegalStateException.class, () -> s.set(ValueLayout.JAVA_LONG, 0, 1));
                expectThrows(IllegalStateException.class, () -> allocator.reallocate(s, 100));
            }
            expectThrows(IllegalStateException.class, () -> allocator.allocate(16));
        }).get(1, TimeUnit.MINUTES);
    }

    // ---- helpers ----

    static int bias(String policy) {
        return switch (policy) {
            case "default", "" -> StripeLock.DEFAULT_QUIET_OPS;
            case "eager" -> 0;
            case "off" -> -1;
            default -> throw new IllegalArgumentException("bias policy must be default, eager or off: " + policy);
        };
    }

    private static Scene scene(PyMalloc allocator, PyMalloc other, List<MemorySegment> blocks, MemorySegment victim,
                               MemorySegment freeSibling) {
        MemorySegment otherPool = cookie(allocator.allocate(200));
        blocks.add(otherPool);
        MemorySegment otherArena = null;
        while (otherArena == null) { // 512-byte blocks until one lies in another arena
            MemorySegment s = cookie(allocator.allocate(512));
            blocks.add(s);
            if (Math.abs(s.address() - victim.address()) > 2 * Geometry.CPYTHON_3_9.arenaSize()) {
                otherArena = s;
            }
        }
        return new Scene(victim.address(), blocks.get(50).address(), freeSibling.address(), otherPool.address(),
                otherArena.address(), other.allocate(BLOCK).address());
    }

    private static long writeLink(MemorySegment freed, String value, Scene scene) {
        if (value.equals("middle")) {
            freed.set(ValueLayout.JAVA_LONG, 32, 0x4141_4141_4141_4141L);
            return 0x4141_4141_4141_4141L;
        }
        long written = LINK_VALUES.get(value).apply(scene);
        freed.set(ValueLayout.JAVA_LONG, 0, written); // a use after free: the segment is still accessible
        return written;
    }

    static List<MemorySegment> allocateBlocks(PyMalloc allocator, int count) {
        List<MemorySegment> blocks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            blocks.add(cookie(allocator.allocate(BLOCK)));
        }
        return blocks;
    }

    /** Writes the block's address into its first word and the complement into its last. */
    private static MemorySegment cookie(MemorySegment s) {
        s.set(ValueLayout.JAVA_LONG, 0, s.address());
        s.set(ValueLayout.JAVA_LONG, s.byteSize() - 8, ~s.address());
        return s;
    }

    private static boolean hasCookie(MemorySegment s) {
        return s.get(ValueLayout.JAVA_LONG, 0) == s.address() && s.get(ValueLayout.JAVA_LONG, s.byteSize() - 8) == ~s.address();
    }

    /** Allocates {@link #LATER_ALLOCATIONS} blocks into {@code blocks}; answers the corruption reports met. */
    private static List<IllegalStateException> allocateMany(PyMalloc allocator, List<MemorySegment> blocks) {
        List<IllegalStateException> reports = new ArrayList<>();
        while (blocks.size() < LATER_ALLOCATIONS) {
            try {
                blocks.addAll(allocateBlocks(allocator, 1));
            } catch (IllegalStateException e) {
                expect(e.getMessage().contains("corrupt"), "a corruption report: " + e.getMessage());
                reports.add(e);
                expect(reports.size() < 5, "reported again and again: " + reports);
            }
        }
        return reports;
    }

    /** Every block kept its cookie, all free cleanly, statistics add up, and the allocator closes. */
    private static void finish(PyMalloc allocator, List<MemorySegment> blocks, LiveBlocks bystanders) {
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (MemorySegment s : blocks) {
            expect(seen.add(s.address()), "block 0x" + Long.toHexString(s.address()) + " was handed out twice");
            expect(hasCookie(s), "block 0x" + Long.toHexString(s.address()) + " lost its cookie");
        }
        bystanders.assertIntact();
        blocks.forEach(allocator::free);
        bystanders.freeAll(allocator);
        allocator.stats().checkIdentity();
        if (allocator instanceof ConfinedAllocator confined) {
            confined.checkInvariants();
        } else if (allocator instanceof SharedAllocator shared) {
            shared.checkInvariants();
        }
        allocator.close();
    }

    static void expect(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }

    static void expectThrows(Class<? extends Throwable> type, Runnable call) {
        try {
            call.run();
        } catch (Throwable t) {
            expect(type.isInstance(t), "expected " + type.getSimpleName() + ", got " + t);
            return;
        }
        throw new AssertionError("expected " + type.getSimpleName() + ", nothing thrown");
    }
}
