/**
 * jpymalloc: CPython's small-object allocator (pymalloc) on off-heap memory. The layers, from the API
 * down to the OS; each class is one concept, and only {@code NativeMemory} calls the C library.
 *
 * <pre>
 *  API          PyMalloc (sealed; builder, AllocatorSettings) ─ Geometry ─ ArenaPolicy ─ MallocStats ─ Handle
 *               ArenaOccupancy ─ PyMallocMXBean
 *                 │
 *  variants     ConfinedAllocator        SharedAllocator ─ Stripes ─ StripeLock (owner bias) ─ RemoteFrees
 *               ThreadHeap ─ ThreadHeaps (orphans, adoption) ─ DecoratedThreadHeap
 *               Decorator: DebugHooks, TracingAllocator (AllocationTracer, TraceSnapshot)
 *                 │  argument checks (Checks), thread rules, which segments may be freed (BlockDiagnosis)
 *  heap         Heap: blocks from and to pools ─ UsedPools (per class) ─ PoolRetirement (deferred)
 *                 │  FreeLists (carving, repair) ─ RequestedBytes (opt-in accounting)
 *  arenas       UsableArenas: FullestFirstArenas (CPython) | RankedArenas ─ ArenaTable (slots, map/unmap, budget) ─ RetainedArenas (decay)
 *                 │  ArenaMap (address → arena, lock-free) ─ MappedArena (pools, live bits) ─ PoolHeader
 *  system path  SystemPath (malloc for 0 bytes, above the threshold, over-aligned; one scope per block)
 *               shared: SharedSystemBlocks (each heap's own path) ─ SystemBlockCache ─ SystemBlockOwners
 *  OS           NativeMemory: mmap, munmap, malloc, calloc, posix_memalign, free, membarrier
 *  observation  StatsCollector, OccupancyCollector, HeapInvariants, Snapshots, Telemetry (JMX), JfrEvents,
 *               LeakDetection, MemoryBudget, Usage
 * </pre>
 *
 * docs/design.md tells the whole story; docs/safety.md what can and cannot crash the JVM.
 */
package org.jpymalloc;
