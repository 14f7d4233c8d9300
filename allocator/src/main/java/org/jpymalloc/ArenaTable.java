package org.jpymalloc;

import java.util.Arrays;

/**
 * The arenas of one heap (obmalloc's {@code arenas} array of {@code arena_object}s): a table whose slot
 * numbers pool headers carry, the arenas retained after CPython's policy released them, and everything
 * mapping and unmapping one involves: the memory budget, the heap's mapped-bytes usage, the shared
 * {@link ArenaMap} that answers which arena owns an address, and the arena counters of the statistics.
 * The only caller of {@link MappedArena#map} and {@link MappedArena#close}.
 *
 * <pre>
 *   acquire ─► retained (newest) or mmap ─► slot, ArenaMap, counters.mapped
 *   release ─► slot freed, ArenaMap, counters.unmapped ─► retained (decays) or munmap
 * </pre>
 *
 * <p>Not thread-safe: the heap's owner (or its stripe lock) guards it; the {@link ArenaMap} it registers in
 * may be shared with other heaps and is safe for that.
 */
final class ArenaTable {

    private final Geometry geometry;
    /** Arenas get shared scopes (a shared allocator) or confined ones. */
    private final boolean shared;
    private final ArenaMap arenaMap;
    private final ArenaCounters counters;
    private final MemoryBudget budget;
    /** Requested and mapped bytes of the heap, with peaks. */
    final Usage usage;
    private final RetainedArenas retained;
    private MappedArena[] slots = new MappedArena[8];
    private int[] freeSlots = new int[8];
    private int freeSlotCount;
    private int slotsUsed;
    private int count;
    /** Arenas taken so far, mapped or reused: each one's {@link MappedArena#mappedSequence}. */
    private long taken;
    /**
     * Pool-level events left before {@link #decay} reads the clock again. The clock costs about 26 ns
     * here ({@code System.nanoTime()} on kvm-clock), as much as a pool event's own work, and a workload that
     * empties and refills arenas has retained arenas at nearly every event; jemalloc likewise ticks its
     * decay (once per 1,000 allocation events) instead of reading the clock on each.
     */
    private int decayTicks;

    /** Pool-level events between two clock reads of {@link #decay}. */
    static final int DECAY_TICKS = 32;

    ArenaTable(Geometry geometry, boolean shared, ArenaMap arenaMap, ArenaCounters counters, MemoryBudget budget,
               Usage usage, ArenaRetention retention) {
        this.geometry = geometry;
        this.shared = shared;
        this.arenaMap = arenaMap;
        this.counters = counters;
        this.budget = budget;
        this.usage = usage;
        this.retained = new RetainedArenas(retention, this::unmap);
    }

    /**
     * An arena for {@code heap}: the most recently retained one, made to look freshly mapped, or a new
     * one from {@code mmap} within the budget ({@code requested}: the bytes of the request that needs it,
     * for the messages).
     *
     * @throws MemoryLimitError past the budget
     * @throws OutOfMemoryError if {@code mmap} fails
     */
    MappedArena acquire(Heap heap, long requested) {
        int index = freeSlotCount > 0 ? freeSlots[--freeSlotCount] : slotsUsed++;
        if (index >= slots.length) {
            slots = Arrays.copyOf(slots, slots.length * 2);
        }
        MappedArena arena;
        try {
            arena = retained.isEmpty() ? mapNew(heap, index, requested) : reuse(index);
        } catch (MemoryLimitError e) {
            releaseSlot(index);
            throw e;
        } catch (NativeMemory.NativeCallException e) {
            releaseSlot(index);
            throw new OutOfMemoryError("cannot map a new " + geometry.arenaSize() + "-byte arena: "
                    + e.getMessage() + "; " + counters.current() + " arenas are mapped");
        }
        slots[index] = arena;
        arena.mappedSequence = ++taken;
        arenaMap.add(arena);
        count++;
        counters.mapped(arena.base);
        return arena;
    }

    private MappedArena reuse(int index) {
        MappedArena arena = retained.takeNewest();
        arena.resetForReuse(index);
        return arena;
    }

    private MappedArena mapNew(Heap heap, int index, long requested) throws NativeMemory.NativeCallException {
        long size = geometry.arenaSize();
        budget.reserve(size, requested, "a new arena");
        usage.mapped(size);
        try {
            return MappedArena.map(heap, index, shared);
        } catch (NativeMemory.NativeCallException | RuntimeException e) {
            budget.release(size);
            usage.unmapped(size);
            throw e;
        }
    }

    /** CPython's policy released a wholly free arena: out of the table and the map, then retained or unmapped. */
    void release(MappedArena arena) {
        arenaMap.remove(arena);
        slots[arena.index] = null;
        releaseSlot(arena.index);
        arena.heap.forget(arena);
        count--;
        counters.unmapped();
        retained.retain(arena, System.nanoTime());
    }

    /** Returns an arena's memory to the OS: every segment sliced from it becomes inaccessible. */
    private void unmap(MappedArena arena) {
        arena.close();
        budget.release(arena.byteSize);
        usage.unmapped(arena.byteSize);
    }

    /**
     * A pool-level event: once every {@link #DECAY_TICKS} of them, gives back the retained arenas whose
     * decay time has passed. An arena is so returned within that many pool events after its decay time
     * (or at the next arena release, which reads the clock anyway).
     */
    void decay() {
        if (!retained.isEmpty() && --decayTicks < 0) {
            decayTicks = DECAY_TICKS;
            retained.decay(System.nanoTime());
        }
    }

    /** Gives every retained arena back to the OS now; answers how many. */
    int trim() {
        return retained.releaseAll();
    }

    /** Unmaps every arena, retained ones included (the allocator is closing). */
    void releaseAll() {
        for (int i = 0; i < slotsUsed; i++) {
            MappedArena arena = slots[i];
            if (arena != null) {
                arenaMap.remove(arena);
                unmap(arena);
                slots[i] = null;
                counters.unmapped();
            }
        }
        retained.releaseAll();
        count = 0;
    }

    /** The arena owning {@code address} (this table's or, in a shared map, another heap's), or null; reads no memory. */
    MappedArena lookup(long address) {
        return arenaMap.lookup(address);
    }

    /** The arena in slot {@code index} (a pool header's arena index). */
    MappedArena bySlot(int index) {
        return slots[index];
    }

    /** Arenas mapped and in the table now (retained ones not included). */
    int count() {
        return count;
    }

    /** Arenas retained for reuse. */
    int retainedCount() {
        return retained.count();
    }

    ArenaCounters counters() {
        return counters;
    }

    /** The table's slots, empty ones as null; a copy. */
    MappedArena[] snapshot() {
        return Arrays.copyOf(slots, slotsUsed);
    }

    private void releaseSlot(int index) {
        if (freeSlotCount == freeSlots.length) {
            freeSlots = Arrays.copyOf(freeSlots, freeSlots.length * 2);
        }
        freeSlots[freeSlotCount++] = index;
    }
}
