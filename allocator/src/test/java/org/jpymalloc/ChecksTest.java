package org.jpymalloc;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Checks#servedByPools}, the one-branch test of whether pools serve a request, agrees with the plain
 * five-condition form on every size and alignment, the extremes of {@code long} included, for each
 * geometry's threshold and alignment.
 */
class ChecksTest {

    /** The plain form: what the one-branch test must mean. */
    private static boolean plain(long byteSize, long byteAlignment, long threshold, long alignment) {
        return byteSize > 0 && byteSize <= threshold && byteAlignment > 0 && byteAlignment <= alignment
                && (byteAlignment & (byteAlignment - 1)) == 0;
    }

    @Property(tries = 5000)
    void agreesWithThePlainForm(@ForAll("sizes") long byteSize, @ForAll("alignments") long byteAlignment,
                                @ForAll("geometries") Geometry geometry) {
        long threshold = geometry.smallRequestThreshold();
        long alignment = geometry.alignment();
        assertEquals(plain(byteSize, byteAlignment, threshold, alignment),
                Checks.servedByPools(byteSize, byteAlignment, threshold, alignment),
                () -> "size " + byteSize + ", alignment " + byteAlignment + ", threshold " + threshold
                        + ", geometry alignment " + alignment);
    }

    @Test
    void theEdgesOfCPythonsGeometry() {
        long threshold = 512;
        long alignment = 16;
        assertTrue(Checks.servedByPools(1, 1, threshold, alignment));
        assertTrue(Checks.servedByPools(512, 16, threshold, alignment));
        assertTrue(Checks.servedByPools(64, 8, threshold, alignment));
        assertFalse(Checks.servedByPools(0, 1, threshold, alignment));
        assertFalse(Checks.servedByPools(513, 1, threshold, alignment));
        assertFalse(Checks.servedByPools(64, 32, threshold, alignment));
        assertFalse(Checks.servedByPools(64, 0, threshold, alignment));
        assertFalse(Checks.servedByPools(64, 12, threshold, alignment));
        assertFalse(Checks.servedByPools(64, -16, threshold, alignment));
        assertFalse(Checks.servedByPools(Long.MIN_VALUE, 8, threshold, alignment));
        assertFalse(Checks.servedByPools(64, Long.MIN_VALUE, threshold, alignment));
        assertFalse(Checks.servedByPools(Long.MAX_VALUE, 8, threshold, alignment));
    }

    @Provide
    Arbitrary<Long> sizes() {
        return Arbitraries.oneOf(Arbitraries.longs().between(-2, 1100),
                Arbitraries.of(Long.MIN_VALUE, Long.MIN_VALUE + 1, Long.MAX_VALUE, Long.MAX_VALUE - 1, -512L),
                Arbitraries.longs());
    }

    @Provide
    Arbitrary<Long> alignments() {
        return Arbitraries.oneOf(Arbitraries.longs().between(-2, 80),
                Arbitraries.integers().between(0, 63).map(bit -> 1L << bit),
                Arbitraries.of(Long.MIN_VALUE, Long.MIN_VALUE + 1, Long.MAX_VALUE),
                Arbitraries.longs());
    }

    @Provide
    Arbitrary<Geometry> geometries() {
        return Arbitraries.of(Geometry.CPYTHON_3_9, Geometry.CPYTHON_3_7, AllocatorModelPropertiesTest.TINY);
    }
}
