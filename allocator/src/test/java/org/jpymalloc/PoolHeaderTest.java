package org.jpymalloc;

import org.junit.jupiter.api.Test;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
