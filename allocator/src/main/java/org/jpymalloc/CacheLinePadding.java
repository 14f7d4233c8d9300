package org.jpymalloc;

/**
 * 128 bytes of padding before a field that one thread writes at every operation (a stripe owner's busy
 * flag, a remote-free stack's head): two cache lines, since x86 processors fetch lines in adjacent pairs.
 * Padding as in Agrona and the LMAX Disruptor: HotSpot lays a superclass's fields out first, so the
 * subclass's hot field starts after these, wherever the garbage collector moves the object; the subclass
 * pads after it in the same way.
 *
 * <p>The {@code int} fills the 4 bytes after a 12-byte object header (compressed class pointers), which
 * HotSpot's field layout otherwise gives to the first small field of any subclass: without it an owner's
 * {@code int busy} sat at offset 12, on the object's first cache line, beside whatever object precedes it
 * in memory, and not after the padding.
 */
abstract class CacheLinePadding {
    @SuppressWarnings("unused")
    private int headerGap;
    @SuppressWarnings("unused")
    private long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p0a, p0b, p0c, p0d, p0e, p0f;
}
