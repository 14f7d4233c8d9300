package org.jpymalloc;

import org.junit.jupiter.api.Test;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pool header is obmalloc's {@code struct pool_header} on 64-bit, field for field. */
class PoolHeaderTest {

    @Test
    void everyOffsetAndTheSizeMatchObmalloc() {
        assertEquals(48, PoolHeader.LAYOUT.byteSize());
        assertEquals(Geometry.POOL_HEADER_FIELDS_SIZE, PoolHeader.LAYOUT.byteSize());
        String[] fields = {"count", "freeBlock", "nextPool", "prevPool", "arenaIndex", "sizeClassIndex",
            "nextOffset", "maxNextOffset"};
        long[] offsets = {0, 8, 16, 24, 32, 36, 40, 44};
        for (int i = 0; i < fields.length; i++) {
            assertEquals(offsets[i], PoolHeader.LAYOUT.byteOffset(groupElement(fields[i])), fields[i]);
        }
    }

    /**
     * The accessors mask every address with {@link NativeMemory#ADDRESS_MASK} (so that C2 can prove the
     * bounds check): it must change no address an arena can have, and a mapping above it is refused.
     */
    @Test
    void theAddressMaskKeepsEveryArenaAddress() throws Exception {
        long size = Geometry.CPYTHON_3_9.arenaSize();
        long base = NativeMemory.mmap(size);
        try {
            assertTrue(NativeMemory.belowAddressLimit(base, size));
            assertEquals(base + size - 1, (base + size - 1) & NativeMemory.ADDRESS_MASK);
            PoolHeader.freeBlock(base, 0x1234_5670L);
            assertEquals(0x1234_5670L, PoolHeader.freeBlock(base), "written and read at the unmasked address");
            assertEquals(0x1234_5670L, NativeMemory.EVERYTHING.get(java.lang.foreign.ValueLayout.JAVA_LONG, base + 8));
        } finally {
            NativeMemory.munmap(base, size);
        }
        long limit = NativeMemory.ADDRESS_MASK + 1; // 2^62
        assertTrue(NativeMemory.belowAddressLimit(limit - size, size));
        assertFalse(NativeMemory.belowAddressLimit(limit - size + 1, size), "ends one byte above");
        assertFalse(NativeMemory.belowAddressLimit(limit, 1));
        assertFalse(NativeMemory.belowAddressLimit(-4096, 4096), "a negative address");
        assertFalse(NativeMemory.belowAddressLimit(limit - 4096, Long.MAX_VALUE), "a size whose end overflows");
    }
}
