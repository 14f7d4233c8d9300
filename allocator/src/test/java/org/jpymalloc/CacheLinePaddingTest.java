package org.jpymalloc;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Method;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The hot fields {@link CacheLinePadding} isolates start after its 128 bytes, wherever HotSpot's field
 * layout puts small fields: an {@code int} of a subclass used to take the 4 bytes after the object header.
 * Offsets come from {@code sun.misc.Unsafe.objectFieldOffset}, reached by reflection; where it is not
 * reachable (the module path without {@code jdk.unsupported}) the test is skipped.
 */
class CacheLinePaddingTest {

    private static final long PADDING = 128;

    @Test
    void anOwnersBusyFlagAndItsExcludedFlagSitAfterThePadding() throws Exception {
        long busy = offset(StripeLock.OwnerBusy.class.getDeclaredField("busy"));
        long excluded = offset(StripeLock.OwnerBusy.class.getDeclaredField("excluded"));
        assertTrue(busy >= PADDING, "busy at offset " + busy);
        assertTrue(excluded >= PADDING, "excluded at offset " + excluded);
        assertTrue(busy / 64 == excluded / 64, "one cache line for the holder's two flags: " + busy + ", " + excluded);
    }

    @Test
    void aRemoteFreeStacksHeadSitsAfterThePadding() throws Exception {
        long head = offset(RemoteFreesHead.class.getDeclaredField("head"));
        assertTrue(head >= PADDING, "head at offset " + head);
    }

    private static long offset(Field field) {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
            theUnsafe.setAccessible(true);
            Method objectFieldOffset = unsafeClass.getMethod("objectFieldOffset", Field.class);
            return (long) objectFieldOffset.invoke(theUnsafe.get(null), field);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError unreachable) {
            assumeTrue(false, "sun.misc.Unsafe is not reachable here: " + unreachable);
            return -1;
        }
    }
}
