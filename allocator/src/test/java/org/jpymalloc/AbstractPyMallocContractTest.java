package org.jpymalloc;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The behaviour every allocator variant promises (Netty's {@code AbstractByteBufTest} pattern): a
 * subclass names the variant, and the whole contract runs against it. Every misuse test also checks
 * that the allocator still works and every other live block kept its bytes.
 */
abstract class AbstractPyMallocContractTest {

    protected PyMalloc allocator;
    private LiveBlocks bystanders;

    /** The variant under test. */
    protected abstract PyMalloc create(Geometry geometry);

    /** Checks the variant's internal invariants, where it has any to check. */
    protected abstract void checkInvariants(PyMalloc allocator);

    @BeforeEach
    void setUp() {
        allocator = create(Geometry.CPYTHON_3_9);
        bystanders = LiveBlocks.of(allocator, 1, 16, 17, 100, 512, 513, 0, 5000);
    }

    @AfterEach
    void tearDown() {
        try {
            if (stillOpen()) {
                bystanders.assertIntact();
                checkInvariants(allocator);
                allocator.close();
            }
        } finally {
            bystanders = null;
            releaseAll();
        }
    }

    /** Closes {@code other} and whatever holds its memory (a thread heap's shared allocator). */
    protected void closeWhole(PyMalloc other) {
        other.close();
    }

    /** After each test: anything the variant holds besides {@link #allocator} (a thread heap's shared allocator). */
    protected void releaseAll() {
    }

    private boolean stillOpen() {
        try {
            allocator.geometry();
            allocator.allocate(1).fill((byte) 0);
            return true;
        } catch (IllegalStateException closed) {
            return false;
        }
    }

    // ---- allocation ----

    @Test
    void everySizeHasExactlyItsByteSizeAndTheGeometrysAlignment() {
        LiveBlocks blocks = new LiveBlocks();
        for (long size = 0; size <= 600; size++) {
            MemorySegment s = blocks.add(allocator.allocate(size));
            assertEquals(size, s.byteSize());
            assertEquals(0, s.address() % 16, "size " + size + " at 0x" + Long.toHexString(s.address()));
        }
        blocks.freeAll(allocator);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 4, 8, 16})
    void alignmentUpToTheGeometrysIsServedByPools(long alignment) {
        long before = allocator.stats().sizeClasses().get(1).blocksInUse();
        MemorySegment s = allocator.allocate(24, alignment);
        assertEquals(before + 1, allocator.stats().sizeClasses().get(1).blocksInUse());
        allocator.free(s);
    }

    @ParameterizedTest
    @ValueSource(longs = {32, 64, 4096, 1 << 20})
    void overAlignedRequestsTakeTheSystemPathAndAreAligned(long alignment) {
        long before = allocator.stats().systemLiveBlocks();
        MemorySegment s = allocator.allocate(24, alignment);
        assertEquals(0, s.address() % alignment);
        assertEquals(24, s.byteSize());
        assertEquals(before + 1, allocator.stats().systemLiveBlocks());
        s.fill((byte) 7);
        allocator.free(s);
        assertEquals(before, allocator.stats().systemLiveBlocks());
    }

    @Test
    void zeroByteRequestsGetUniqueAddressesFromTheSystemPath() {
        MemorySegment a = allocator.allocate(0);
        MemorySegment b = allocator.allocate(0);
        assertEquals(0, a.byteSize());
        assertNotEquals(a.address(), b.address());
        allocator.free(a);
        allocator.free(b);
    }

    @Test
    void allocateZeroedZeroesRecycledMemory() {
        for (long size : new long[] {8, 64, 512, 513, 4000}) {
            MemorySegment dirty = allocator.allocate(size);
            dirty.fill((byte) 0x5A);
            allocator.free(dirty);
            MemorySegment clean = allocator.allocateZeroed(size);
            assertEquals(size, clean.byteSize());
            for (long i = 0; i < size; i++) {
                assertEquals(0, clean.get(ValueLayout.JAVA_BYTE, i), "byte " + i + " of " + size);
            }
            allocator.free(clean);
        }
    }

    @Test
    void worksAsASegmentAllocator() {
        MemorySegment text = allocator.allocateFrom("pymalloc");
        assertEquals("pymalloc", text.getString(0));
        MemorySegment ints = allocator.allocateFrom(ValueLayout.JAVA_INT, 1, 2, 3);
        assertEquals(3, ints.getAtIndex(ValueLayout.JAVA_INT, 2));
        MemorySegment longs = allocator.allocate(ValueLayout.JAVA_LONG, 100);
        assertEquals(800, longs.byteSize());
        allocator.free(text);
        allocator.free(ints);
        allocator.free(longs);
    }

    // ---- reallocation ----

    @Test
    void reallocateKeepsContentsWhenGrowingAndShrinking() {
        long[] sizes = {10, 40, 200, 512, 700, 5000, 300, 30, 0, 50};
        MemorySegment s = allocator.allocate(5);
        LiveBlocks.fill(s, 42);
        long kept = 5;
        for (long size : sizes) {
            MemorySegment r = allocator.reallocate(s, size);
            assertEquals(size, r.byteSize());
            LiveBlocks.assertPattern(r.asSlice(0, Math.min(kept, size)), 42);
            LiveBlocks.fill(r, 42);
            kept = size;
            s = r;
        }
        allocator.free(s);
    }

    @Test
    void systemBlocksStayOnTheSystemPathWhenShrunk() {
        MemorySegment big = allocator.allocate(1000);
        long systemBefore = allocator.stats().systemLiveBlocks();
        MemorySegment small = allocator.reallocate(big, 8);
        assertEquals(systemBefore, allocator.stats().systemLiveBlocks(), "realloc, not a move to a pool");
        assertEquals(8, small.byteSize());
        allocator.free(small);
    }

    // ---- misuse: sizes and alignments ----

    @Test
    void negativeSizeIsRejected() {
        assertRejected("byteSize must not be negative: -1", () -> allocator.allocate(-1));
        assertRejected("byteSize must not be negative: -5", () -> allocator.allocate(-5, 16));
        assertRejected("byteSize must not be negative: -7", () -> allocator.allocateZeroed(-7));
        MemorySegment s = allocator.allocate(8);
        assertRejected("newByteSize must not be negative: -3", () -> allocator.reallocate(s, -3));
        assertEquals(8, s.byteSize());
        allocator.free(s);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -16, 3, 24, 48, Long.MIN_VALUE})
    void alignmentThatIsNotAPositivePowerOfTwoIsRejected(long alignment) {
        assertRejected("byteAlignment must be a positive power of two: " + alignment,
                () -> allocator.allocate(16, alignment));
    }

    @Test
    void aSizeTheSystemCannotServeFailsCleanly() {
        OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> allocator.allocate(Long.MAX_VALUE));
        assertTrue(e.getMessage().contains(String.valueOf(Long.MAX_VALUE)), e.getMessage());
        OutOfMemoryError z = assertThrows(OutOfMemoryError.class, () -> allocator.allocateZeroed(1L << 62));
        assertTrue(z.getMessage().contains(String.valueOf(1L << 62)), z.getMessage());
        MemorySegment s = allocator.allocate(600);
        OutOfMemoryError r = assertThrows(OutOfMemoryError.class, () -> allocator.reallocate(s, Long.MAX_VALUE));
        assertTrue(r.getMessage().contains("unchanged"), r.getMessage());
        LiveBlocks.fill(s, 1);
        allocator.free(s);
        assertStillWorks();
    }

    // ---- the address API ----

    @Test
    void addressesRoundTripAtEverySizeWithTheGeometrysAlignment() {
        java.util.List<Long> addresses = new java.util.ArrayList<>();
        for (long size = 0; size <= 600; size += 7) {
            long address = allocator.allocateAddress(size);
            assertEquals(0, address % 16, "size " + size);
            MemorySegment view = MemorySegment.ofAddress(address).reinterpret(size);
            LiveBlocks.fill(view, address);
            addresses.add(address);
        }
        long aligned = allocator.allocateAddress(40, 64);
        assertEquals(0, aligned % 64);
        allocator.freeAddress(aligned);
        for (long address : addresses) {
            long size = addresses.indexOf(address) * 7L;
            LiveBlocks.assertPattern(MemorySegment.ofAddress(address).reinterpret(size), address);
            allocator.freeAddress(address);
        }
        assertStillWorks();
    }

    @Test
    void reallocateAddressKeepsTheContentsAndFollowsTheReallocRule() {
        long a = allocator.allocateAddress(64);
        MemorySegment.ofAddress(a).reinterpret(64).fill((byte) 0x3C);
        long b = allocator.reallocateAddress(a, 3000); // to the system path
        MemorySegment grown = MemorySegment.ofAddress(b).reinterpret(3000);
        for (int i = 0; i < 64; i++) {
            assertEquals((byte) 0x3C, grown.get(ValueLayout.JAVA_BYTE, i));
        }
        long c = allocator.reallocateAddress(b, 20); // a foreign pointer stays on the system path, as in CPython
        assertEquals((byte) 0x3C, MemorySegment.ofAddress(c).reinterpret(20).get(ValueLayout.JAVA_BYTE, 19));
        allocator.freeAddress(c);
        assertBadAddress(c, "", () -> allocator.freeAddress(c));
        assertThrows(IllegalArgumentException.class, () -> allocator.reallocateAddress(allocator.allocateAddress(8), -1));
    }

    @Test
    void segmentsAndAddressesMix() {
        MemorySegment s = allocator.allocate(48);
        allocator.freeAddress(s.address());
        assertBadSegment("double free", () -> allocator.free(s));
        long before = allocator.stats().systemLiveBlocks();
        long big = allocator.allocateAddress(5000);
        assertEquals(before + 1, allocator.stats().systemLiveBlocks());
        allocator.freeAddress(big);
        assertEquals(before, allocator.stats().systemLiveBlocks() - quarantined(big));
    }

    /** How many of these blocks a variant still holds after they were freed (the debug quarantine: 1). */
    protected long quarantined(long address) {
        return 0;
    }

    @Test
    void badAddressesAreRejectedNamingTheAddress() {
        long a = allocator.allocateAddress(64);
        assertBadAddress(a + 16, "is an interior address", () -> allocator.freeAddress(a + 16));
        assertBadAddress(a + 16, "interior", () -> allocator.reallocateAddress(a + 16, 8));
        allocator.freeAddress(a);
        assertBadAddress(a, "double free", () -> allocator.freeAddress(a));
        assertBadAddress(a, "double free", () -> allocator.reallocateAddress(a, 100));
        assertBadAddress(0x1000, "never allocated", () -> allocator.freeAddress(0x1000));
        assertBadAddress(0, "never allocated", () -> allocator.freeAddress(0));
        try (Arena arena = Arena.ofConfined()) {
            long foreign = arena.allocate(64).address();
            assertBadAddress(foreign, "never allocated", () -> allocator.freeAddress(foreign));
        }
        try (PyMalloc other = create(Geometry.CPYTHON_3_9)) {
            long theirs = other.allocateAddress(32);
            assertBadAddress(theirs, "", () -> allocator.freeAddress(theirs));
            other.freeAddress(theirs);
        }
        assertThrows(IllegalArgumentException.class, () -> allocator.allocateAddress(-1));
        assertThrows(IllegalArgumentException.class, () -> allocator.allocateAddress(8, 3));
        assertStillWorks();
    }

    protected void assertBadAddress(long address, String what, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith("cannot free or reallocate "), e.getMessage());
        assertTrue(e.getMessage().contains("0x" + Long.toHexString(address)), e.getMessage());
        assertTrue(e.getMessage().contains(what), e.getMessage());
        assertStillWorks();
    }

    // ---- misuse: free and reallocate of what is not a live block ----

    @Test
    void freeOfAHeapSegmentIsRejected() {
        MemorySegment heap = MemorySegment.ofArray(new byte[16]);
        assertBadSegment("is a heap segment", () -> allocator.free(heap));
        assertBadSegment("is a heap segment", () -> allocator.reallocate(heap, 8));
    }

    @Test
    void freeOfNullIsRejected() {
        assertThrows(NullPointerException.class, () -> allocator.free(null));
        assertStillWorks();
    }

    @Test
    void freeOfForeignMemoryIsRejected() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment foreign = arena.allocate(64);
            assertBadSegment("was never allocated by this allocator", () -> allocator.free(foreign));
            assertBadSegment("was never allocated by this allocator", () -> allocator.reallocate(foreign, 8));
        }
        assertBadSegment("never allocated", () -> allocator.free(MemorySegment.ofAddress(0x1000)));
    }

    @Test
    void freeOfAnotherAllocatorsBlockIsRejected() {
        try (PyMalloc other = create(Geometry.CPYTHON_3_9)) {
            MemorySegment small = other.allocate(32);
            MemorySegment big = other.allocate(2000);
            assertBadSegment("", () -> allocator.free(small));
            assertBadSegment("never allocated", () -> allocator.free(big));
            other.free(small);
            other.free(big);
        }
    }

    @Test
    void freeOfAnInteriorAddressIsRejected() {
        MemorySegment s = allocator.allocate(64);
        assertBadSegment("is an interior address: 16 bytes into the live block", () -> allocator.free(s.asSlice(16)));
        assertBadSegment("is an interior address: 1 bytes into the live block", () -> allocator.free(s.asSlice(1)));
        assertBadSegment("interior", () -> allocator.reallocate(s.asSlice(32), 8));
        MemorySegment big = allocator.allocate(4000);
        assertBadSegment("", () -> allocator.free(big.asSlice(8)));
        allocator.free(s);
        allocator.free(big);
    }

    @Test
    void doubleFreeIsDetected() {
        MemorySegment a = allocator.allocate(48);
        MemorySegment keep = allocator.allocate(48);
        LiveBlocks.fill(keep, 9);
        allocator.free(a);
        assertBadSegment("was already freed (double free)", () -> allocator.free(a));
        assertBadSegment("double free", () -> allocator.reallocate(a, 100));
        MemorySegment big = allocator.allocate(4000);
        allocator.free(big);
        assertBadSegment("already freed", () -> allocator.free(big));
        LiveBlocks.assertPattern(keep, 9);
        allocator.free(keep);
    }

    @Test
    void doubleFreeOfALoneBlockIsDetectedAfterItsPoolEmptied() {
        MemorySegment a = allocator.allocate(200); // the only block of its class: its pool empties
        allocator.free(a);
        assertBadSegment("double free", () -> allocator.free(a));
    }

    @Test
    void freeOfABlockFromAClosedAllocatorIsRejected() {
        PyMalloc other = create(Geometry.CPYTHON_3_9);
        MemorySegment small = other.allocate(32);
        MemorySegment big = other.allocate(3000);
        closeWhole(other);
        assertBadSegment("", () -> allocator.free(small));
        assertBadSegment("", () -> allocator.free(big));
        assertThrows(IllegalStateException.class, () -> small.get(ValueLayout.JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> big.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void aSegmentOfAFreedSystemBlockCannotReachItsMemory() {
        MemorySegment big = allocator.allocate(10_000);
        LiveBlocks.fill(big, 7);
        allocator.free(big);
        if (cachesFreedSystemBlocks()) {
            // Kept to serve again, its memory still the allocator's (as a freed pool block's): reachable until trim.
            assertEquals(1, allocator.stats().systemCachedBlocks());
            big.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
            allocator.trim();
            assertEquals(0, allocator.stats().systemCachedBlocks());
        }
        assertThrows(IllegalStateException.class, () -> big.get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(0, allocator.stats().systemCachedBlocks());
    }

    /**
     * Whether the variant keeps freed system blocks, scopes open, to serve again: a shared allocator, whose
     * scope closes are handshakes ({@link SystemBlockCache}); {@link PyMalloc#trim()} gives them back.
     */
    protected boolean cachesFreedSystemBlocks() {
        return false;
    }

    // ---- threads and close ----

    @Test
    void everyCallAfterCloseThrows() {
        MemorySegment small = allocator.allocate(16);
        MemorySegment big = allocator.allocate(1024);
        allocator.close();
        assertClosed(() -> allocator.allocate(16));
        assertClosed(() -> allocator.allocate(16, 8));
        assertClosed(() -> allocator.allocateZeroed(16));
        assertClosed(() -> allocator.free(small));
        assertClosed(() -> allocator.reallocate(small, 32));
        assertClosed(allocator::close);
        assertThrows(IllegalStateException.class, () -> small.get(ValueLayout.JAVA_BYTE, 0), "memory returned");
        assertThrows(IllegalStateException.class, () -> big.get(ValueLayout.JAVA_BYTE, 0), "memory returned");
    }

    @Test
    void statsAfterCloseAreTheSnapshotTakenAtClose() {
        long live = allocator.stats().blocksInUse();
        allocator.close();
        MallocStats last = allocator.stats();
        assertEquals(live, last.blocksInUse(), "the bystanders were live at close");
        assertEquals(3, last.systemLiveBlocks(), "the bystanders of 0, 513 and 5000 bytes");
        assertSame(last, allocator.stats());
    }

    private static void assertClosed(Executable call) {
        IllegalStateException e = assertThrows(IllegalStateException.class, call);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    // ---- helpers ----

    /** A misuse was rejected with exactly this message, and nothing was harmed. */
    protected void assertRejected(String message, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(message, e.getMessage());
        assertStillWorks();
    }

    /** A free or reallocate of something that is not a live block was rejected, naming it. */
    protected void assertBadSegment(String what, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith("cannot free or reallocate "), e.getMessage());
        assertTrue(e.getMessage().contains(what), e.getMessage());
        assertStillWorks();
    }

    protected void assertStillWorks() {
        bystanders.assertIntact();
        checkInvariants(allocator);
        MemorySegment probe = allocator.allocate(24);
        LiveBlocks.fill(probe, 77);
        LiveBlocks.assertPattern(probe, 77);
        allocator.free(probe);
        bystanders.assertIntact();
    }

    protected static Throwable onOtherThread(Executable call) {
        try {
            CompletableFuture.runAsync(() -> {
                try {
                    call.execute();
                } catch (Throwable t) {
                    throw new java.util.concurrent.CompletionException(t);
                }
            }, r -> Thread.ofPlatform().start(r)).get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    protected static void assertWrongThread(Executable call) {
        assertInstanceOf(WrongThreadException.class, onOtherThread(call));
    }
}
