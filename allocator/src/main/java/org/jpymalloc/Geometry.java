package org.jpymalloc;

/**
 * The shape of a pymalloc heap: how large arenas and pools are, the alignment (and so the size-class
 * granularity), and the largest request served from pools.
 *
 * <pre>
 * arena (arenaSize, from mmap)
 * +--------+--------+--------+-- ... --+--------+
 * | pool 0 | pool 1 | pool 2 |         | pool N |   pools are poolSize bytes, poolSize-aligned
 * +--------+--------+--------+-- ... --+--------+
 * pool:  [ header (poolHeaderSize) | block | block | ... | block | tail ]
 *                                    blockSize(c) = (c + 1) * alignment
 * </pre>
 *
 * Size class {@code c} serves requests of {@code c * alignment + 1} to {@code (c + 1) * alignment}
 * bytes, exactly as obmalloc's {@code INDEX2SIZE}/{@code (nbytes - 1) >> ALIGNMENT_SHIFT}. Requests of
 * 0 bytes, or above {@link #smallRequestThreshold()}, are not served by pools (they take the system
 * path); {@link #sizeClassIndex(long)} answers {@code -1} for them.
 *
 * <p>The constructor checks the relationships obmalloc states as "the following invariants must
 * hold": sizes and alignment powers of two, the alignment able to hold a free-list pointer, the threshold a
 * multiple of the alignment, two of the largest blocks fitting a pool after its header, and an arena holding at
 * least two pools (so one is left even when the arena's base is not pool-aligned). It also refuses every shape
 * the allocator's bookkeeping cannot hold, naming the limit: a block's slack (its size less the bytes asked
 * for, kept in one byte per block) must fit 8 bits, so the alignment is at most {@value #MAX_ALIGNMENT} and the
 * threshold at most {@value #MAX_SMALL_REQUEST_THRESHOLD} (an in-place realloc leaves up to a quarter of a
 * block as slack), which bounds the classes at {@value #MAX_SIZE_CLASSES}; an arena is at most
 * {@value #MAX_ARENA_SIZE} bytes, so its per-block bitmaps stay int-indexed; and it has at most
 * {@value #MAX_POOLS_PER_ARENA} pools, so its per-pool tables stay small. Every shape accepted works with
 * every option and mode (docs/design.md, "Geometry limits").
 *
 * @param arenaSize bytes mapped from the OS per arena
 * @param poolSize bytes per pool; every pool serves one size class at a time
 * @param alignment block alignment and size-class granularity
 * @param smallRequestThreshold largest request served from pools
 * @param radixTree the arena map CPython 3.10+ keeps to tell its arenas' addresses, as far as statistics
 *     report it ({@link RadixTree}); it changes no allocation, only the text of
 *     {@link MallocStats#toDebugMallocStats()} and the arena-map figures
 */
public record Geometry(long arenaSize, long poolSize, long alignment, long smallRequestThreshold,
                       RadixTree radixTree) {

    /** CPython 3.0 to 3.7 on 64-bit: 256 KiB arenas, 4 KiB pools, 8-byte alignment, 64 classes. */
    public static final Geometry CPYTHON_3_7 = new Geometry(256 << 10, 4 << 10, 8, 512);
    /** CPython 3.8 and 3.9 on 64-bit: 256 KiB arenas, 4 KiB pools, 16-byte alignment, 32 classes. */
    public static final Geometry CPYTHON_3_9 = new Geometry(256 << 10, 4 << 10, 16, 512);
    /**
     * CPython 3.10 on 64-bit: 1 MiB arenas, 16 KiB pools, 16-byte alignment, 32 classes, and an arena map
     * over 48-bit addresses ({@link RadixTree#ADDRESS_48_BITS}).
     */
    public static final Geometry CPYTHON_3_10 = new Geometry(1 << 20, 16 << 10, 16, 512, RadixTree.ADDRESS_48_BITS);
    /** CPython 3.11: 3.10's pools and arenas, an arena map over all 64 address bits ({@link RadixTree#ADDRESS_64_BITS}). */
    public static final Geometry CPYTHON_3_11 = new Geometry(1 << 20, 16 << 10, 16, 512, RadixTree.ADDRESS_64_BITS);
    /** CPython 3.12: as 3.11. */
    public static final Geometry CPYTHON_3_12 = new Geometry(1 << 20, 16 << 10, 16, 512, RadixTree.ADDRESS_64_BITS);
    /** CPython 3.13 (the default build, with the GIL): as 3.11. */
    public static final Geometry CPYTHON_3_13 = new Geometry(1 << 20, 16 << 10, 16, 512, RadixTree.ADDRESS_64_BITS);

    /**
     * The arena map of CPython 3.10 and later ({@code WITH_PYMALLOC_RADIX_TREE}, obmalloc.c): a three-level
     * radix tree over arena addresses whose root is static and whose mid and bottom nodes are made the
     * first time an arena's range reaches them and never freed. An arena whose base is not aligned to the
     * arena size covers two bottom entries (its base and its base plus the arena size). With
     * {@code ARENA_BITS = log2(arenaSize)}, {@code BITS} the address bits it maps: interior levels of
     * {@code (BITS - ARENA_BITS + 2) / 3} bits each, the bottom level the rest; root and mid nodes hold
     * 8-byte pointers, bottom nodes 8-byte {@code arena_coverage_t} entries. jpymalloc finds its arenas
     * with its own map ({@code ArenaMap}); this only tells what CPython's would hold for the same arenas.
     */
    public enum RadixTree {
        /** CPython 3.9 and earlier: no arena map (the pool header says whether an address is pymalloc's). */
        NONE(0),
        /** CPython 3.10: the top 16 address bits ignored ({@code IGNORE_BITS 16}): 8 KiB root on 1 MiB arenas. */
        ADDRESS_48_BITS(48),
        /** CPython 3.11 to 3.13: every bit mapped ({@code IGNORE_BITS 0}): 256 KiB root on 1 MiB arenas. */
        ADDRESS_64_BITS(64);

        private final int bits;

        RadixTree(int bits) {
            this.bits = bits;
        }

        /** Address bits mapped: 0 without a tree. */
        public int bits() {
            return bits;
        }
    }

    /** A geometry without CPython 3.10's arena map ({@link RadixTree#NONE}). */
    public Geometry(long arenaSize, long poolSize, long alignment, long smallRequestThreshold) {
        this(arenaSize, poolSize, alignment, smallRequestThreshold, RadixTree.NONE);
    }

    /** obmalloc's {@code struct pool_header} on 64-bit: 8 fields, 48 bytes, before rounding. */
    static final long POOL_HEADER_FIELDS_SIZE = 48;
    /** A free block stores the next free block's address in its first word. */
    static final long MIN_ALIGNMENT = Long.BYTES;
    /** Arenas are mapped with mmap, so they are whole pages (4 KiB on the platforms we run on). */
    static final long MIN_ARENA_SIZE = 4096;
    /** Pool header offsets ({@code nextoffset}, {@code maxnextoffset}) are 32-bit, as in obmalloc. */
    static final long MAX_POOL_SIZE = 1L << 30;
    /**
     * 1 GiB: the per-arena bookkeeping (a live bit and a slack byte per alignment unit) then has at most
     * 2^27 entries (8-byte alignment), int-indexed with room to spare.
     */
    public static final long MAX_ARENA_SIZE = 1L << 30;
    /** A block's slack is kept in one byte: below 256 for any request of its class. */
    public static final long MAX_ALIGNMENT = 256;
    /**
     * An in-place realloc keeps a block while less than a quarter of it is unused: up to
     * {@code threshold / 4 - 1} bytes of slack, which one byte holds up to a threshold of 1024.
     */
    public static final long MAX_SMALL_REQUEST_THRESHOLD = 1024;
    /** 1024 / 8: what the threshold and the minimum alignment allow; a pool's class fits a byte. */
    public static final int MAX_SIZE_CLASSES = 128;
    /** Per-pool tables (size class per pool, usable-arena order by free pools) stay small. */
    public static final long MAX_POOLS_PER_ARENA = 1L << 16;

    public Geometry {
        java.util.Objects.requireNonNull(radixTree, "radixTree");
        requirePowerOfTwo("arenaSize", arenaSize);
        requirePowerOfTwo("poolSize", poolSize);
        requirePowerOfTwo("alignment", alignment);
        if (alignment < MIN_ALIGNMENT) {
            throw invalid("alignment must be at least " + MIN_ALIGNMENT + " (a free block holds a pointer): " + alignment);
        }
        if (alignment > MAX_ALIGNMENT) {
            throw invalid("alignment must be at most " + MAX_ALIGNMENT + " (a block's slack is kept in one byte): "
                    + alignment);
        }
        if (smallRequestThreshold < alignment || smallRequestThreshold % alignment != 0) {
            throw invalid("smallRequestThreshold must be a positive multiple of the alignment " + alignment + ": "
                    + smallRequestThreshold);
        }
        if (smallRequestThreshold > MAX_SMALL_REQUEST_THRESHOLD) {
            throw invalid("smallRequestThreshold must be at most " + MAX_SMALL_REQUEST_THRESHOLD + " (an in-place"
                    + " realloc's slack, up to a quarter of a block, is kept in one byte): " + smallRequestThreshold);
        }
        assert smallRequestThreshold / alignment <= MAX_SIZE_CLASSES : "the two limits above bound the classes";
        if (arenaSize < MIN_ARENA_SIZE || arenaSize > MAX_ARENA_SIZE) {
            throw invalid("arenaSize must be between " + MIN_ARENA_SIZE + " and " + MAX_ARENA_SIZE + ": " + arenaSize);
        }
        if (poolSize > MAX_POOL_SIZE) {
            throw invalid("poolSize must be at most " + MAX_POOL_SIZE + ": " + poolSize);
        }
        if (arenaSize < 2 * poolSize) {
            throw invalid("arenaSize " + arenaSize + " must hold at least two pools of poolSize " + poolSize);
        }
        if (arenaSize / poolSize > MAX_POOLS_PER_ARENA) {
            throw invalid("arenaSize / poolSize (pools per arena) must be at most " + MAX_POOLS_PER_ARENA + ": "
                    + arenaSize + " / " + poolSize);
        }
        long header = roundUp(POOL_HEADER_FIELDS_SIZE, alignment);
        if (header + 2 * smallRequestThreshold > poolSize) {
            // obmalloc's first carve hands out one block and links the second: a pool needs two.
            throw invalid("a pool of poolSize " + poolSize + " cannot hold its " + header
                    + "-byte header and two blocks of smallRequestThreshold " + smallRequestThreshold);
        }
    }

    /** Bits of a pointer in each interior level (root, mid) of the arena map; 0 without one. */
    int radixInteriorBits() {
        return radixTree.bits == 0 ? 0 : (radixTree.bits - arenaShift() + 2) / 3;
    }

    /** Bits of a pointer in the arena map's bottom level; 0 without one. */
    int radixBottomBits() {
        return radixTree.bits == 0 ? 0 : radixTree.bits - arenaShift() - 2 * radixInteriorBits();
    }

    /** Bytes of the arena map's root ({@code arena_map_root}), 0 without one; mid nodes are as large. */
    public long arenaMapRootBytes() {
        return radixTree.bits == 0 ? 0 : Long.BYTES << radixInteriorBits();
    }

    /** Bytes of one bottom node of the arena map ({@code arena_map_bot_t}), 0 without one. */
    public long arenaMapBottomNodeBytes() {
        return radixTree.bits == 0 ? 0 : Long.BYTES << radixBottomBits();
    }

    /** log2 of the arena size: obmalloc's {@code ARENA_BITS}. */
    int arenaShift() {
        return Long.numberOfTrailingZeros(arenaSize);
    }

    /** Bytes at the start of each pool taken by its header: 48 rounded up to the alignment. */
    public long poolHeaderSize() {
        return roundUp(POOL_HEADER_FIELDS_SIZE, alignment);
    }

    /** log2 of the alignment: 3 for 8 bytes, 4 for 16 bytes. */
    public int alignmentShift() {
        return Long.numberOfTrailingZeros(alignment);
    }

    /** Number of size classes: {@code smallRequestThreshold / alignment}. */
    public int sizeClassCount() {
        return (int) (smallRequestThreshold / alignment);
    }

    /**
     * The size class serving a request of {@code byteSize} bytes, or {@code -1} when pools do not serve
     * it (0 bytes, or above the threshold: the system path).
     *
     * @throws IllegalArgumentException if {@code byteSize} is negative
     */
    public int sizeClassIndex(long byteSize) {
        if (byteSize < 0) {
            throw invalid("byteSize must not be negative: " + byteSize);
        }
        if (byteSize == 0 || byteSize > smallRequestThreshold) {
            return -1;
        }
        return (int) ((byteSize - 1) >>> alignmentShift());
    }

    /** Bytes per block of size class {@code sizeClassIndex}: {@code (index + 1) * alignment}. */
    public long blockSize(int sizeClassIndex) {
        checkSizeClassIndex(sizeClassIndex);
        return (sizeClassIndex + 1L) << alignmentShift();
    }

    /** Blocks in one pool of size class {@code sizeClassIndex}: {@code (poolSize - header) / blockSize}. */
    public int blocksPerPool(int sizeClassIndex) {
        return (int) ((poolSize - poolHeaderSize()) / blockSize(sizeClassIndex));
    }

    private void checkSizeClassIndex(int sizeClassIndex) {
        if (sizeClassIndex < 0 || sizeClassIndex >= sizeClassCount()) {
            throw invalid("sizeClassIndex must be in [0, " + sizeClassCount() + "): " + sizeClassIndex);
        }
    }

    private static void requirePowerOfTwo(String name, long value) {
        if (value <= 0 || Long.bitCount(value) != 1) {
            throw invalid(name + " must be a power of two: " + value);
        }
    }

    private static long roundUp(long value, long powerOfTwo) {
        return (value + powerOfTwo - 1) & -powerOfTwo;
    }

    private static IllegalArgumentException invalid(String message) {
        return new IllegalArgumentException(message);
    }
}
