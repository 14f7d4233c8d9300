package org.jpymalloc;

/**
 * 128 bytes of padding before a field that one thread writes at every operation (a stripe owner's busy
 * flag, a remote-free stack's head): two cache lines, since x86 processors fetch lines in adjacent pairs.
 * Padding as in Agrona and the LMAX Disruptor: HotSpot lays a superclass's fields out first, so the
 * subclass's hot field starts after these, wherever the garbage collector moves the object; the subclass
 * pads after it in the same way.
 */
abstract class CacheLinePadding {
    @SuppressWarnings("unused")
    private long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p0a, p0b, p0c, p0d, p0e, p0f;
}
