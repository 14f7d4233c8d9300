package org.jpymalloc;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The contract, run on an allocator with debug hooks; after each test every live block's guards are
 * checked. Three tests are replaced by what the hooks promise instead: a debug block is 24 bytes larger
 * (so classes and the system-path threshold shift), and a freed block waits in the quarantine (so its
 * memory stays mapped, filled with 0xDD).
 */
abstract class AbstractDebugContractTest extends AbstractPyMallocContractTest {

    @Override
    protected void checkInvariants(PyMalloc allocator) {
        allocator.checkGuards();
    }

    /** Replaced: the 24-byte block is 48 bytes with its header and guards, so it lands in class 2. */
    @Override
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 4, 8, 16})
    void alignmentUpToTheGeometrysIsServedByPools(long alignment) {
        long before = allocator.stats().sizeClasses().get(2).blocksInUse();
        MemorySegment s = allocator.allocate(24, alignment);
        assertEquals(0, s.address() % alignment);
        assertEquals(before + 1, allocator.stats().sizeClasses().get(2).blocksInUse());
        allocator.free(s);
    }

    /** Replaced: over-aligned blocks are placed inside a larger block, in a pool while it fits one. */
    @Override
    @ParameterizedTest
    @ValueSource(longs = {32, 64, 4096, 1 << 20})
    void overAlignedRequestsTakeTheSystemPathAndAreAligned(long alignment) {
        MemorySegment s = allocator.allocate(24, alignment);
        assertEquals(0, s.address() % alignment);
        assertEquals(24, s.byteSize());
        s.fill((byte) 7);
        allocator.checkGuards();
        allocator.free(s);
    }

    @Override
    protected long quarantined(long address) {
        return 1;
    }

    /** Replaced: a freed block waits in the quarantine, mapped and filled with 0xDD, until it leaves it. */
    @Override
    @Test
    void aSegmentOfAFreedSystemBlockCannotReachItsMemory() {
        MemorySegment big = allocator.allocate(10_000);
        allocator.free(big);
        assertEquals((byte) 0xDD, big.get(ValueLayout.JAVA_BYTE, 9_999));
    }
}
