package org.jpymalloc.bench.replay;

import java.util.function.IntConsumer;

/** A target's table of blocks by slot: each slot holds a live block or nothing (0 or null). */
final class Slots {

    private Slots() {
    }

    /** Calls {@code action} with every slot that holds an address. */
    static void forEachLive(long[] blocks, IntConsumer action) {
        for (int slot = 0; slot < blocks.length; slot++) {
            if (blocks[slot] != 0) {
                action.accept(slot);
            }
        }
    }

    /** Calls {@code action} with every slot that holds a block. */
    static void forEachLive(Object[] blocks, IntConsumer action) {
        for (int slot = 0; slot < blocks.length; slot++) {
            if (blocks[slot] != null) {
                action.accept(slot);
            }
        }
    }
}
