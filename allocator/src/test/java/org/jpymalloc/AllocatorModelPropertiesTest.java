package org.jpymalloc;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random sequences of allocate, reallocate, free, bursts and close, checked against a simple model after
 * every step: live blocks never overlap, each keeps the pattern written into it until it is freed, the
 * statistics agree with the model (blocks per class, system blocks, the byte identity) and the heap's
 * invariants hold. jqwik shrinks a failure to a short sequence.
 */
class AllocatorModelPropertiesTest {

    /** Tiny arenas (4 pools of 2 KiB) so that sequences map, fill, drain and unmap many arenas. */
    static final Geometry TINY = new Geometry(8 << 10, 2 << 10, 16, 512);

    @Property(tries = 60)
    void tinyArenasAgreeWithTheModel(@ForAll("chains") ActionChain<Model> chain) {
        run(chain, TINY);
    }

    @Property(tries = 25)
    void cpython39AgreesWithTheModel(@ForAll("chains") ActionChain<Model> chain) {
        run(chain, Geometry.CPYTHON_3_9);
    }

    @Property(tries = 15)
    void cpython37AgreesWithTheModel(@ForAll("chains") ActionChain<Model> chain) {
        run(chain, Geometry.CPYTHON_3_7);
    }

    @Property(tries = 10)
    void cpython310AgreesWithTheModel(@ForAll("chains") ActionChain<Model> chain) {
        run(chain, Geometry.CPYTHON_3_10);
    }

    @Property(tries = 20)
    void sharedModeAgreesWithTheModel(@ForAll("chains") ActionChain<Model> chain) {
        run(chain, TINY, true);
    }

    /** Every built-in arena policy, on tiny arenas (where the order decides most), confined and shared. */
    @Property(tries = 40)
    void everyArenaPolicyAgreesWithTheModel(@ForAll("chains") ActionChain<Model> chain,
                                            @ForAll("policies") ArenaPolicy policy, @ForAll boolean shared) {
        Model.nextPolicy = policy;
        try {
            run(chain, TINY, shared);
        } finally {
            Model.nextPolicy = ArenaPolicy.CPYTHON;
        }
    }

    @Provide
    Arbitrary<ArenaPolicy> policies() {
        return Arbitraries.of(ArenaPolicy.builtIn());
    }

    private static void run(ActionChain<Model> chain, Geometry geometry) {
        run(chain, geometry, false);
    }

    private static void run(ActionChain<Model> chain, Geometry geometry, boolean shared) {
        Model.nextGeometry = geometry;
        Model.nextShared = shared;
        Model last = null;
        try {
            chain.withInvariant(Model::check).run();
            last = chain.finalState().orElse(null);
        } finally {
            if (last != null) {
                last.closeAndCheck();
            }
        }
    }

    @Provide
    Arbitrary<ActionChain<Model>> chains() {
        return ActionChain.startWith(Model::new)
                .withAction(5, new Allocate())
                .withAction(1, new Burst())
                .withAction(4, new Free())
                .withAction(1, new FreeMany())
                .withAction(2, new Reallocate())
                .withAction(1, new Close())
                .withMaxTransformations(80);
    }

    static Arbitrary<Long> sizes() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(12, Arbitraries.longs().between(1, 512)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(0L)),
                net.jqwik.api.Tuple.of(2, Arbitraries.longs().between(513, 6000)));
    }

    static final class Allocate implements Action.Independent<Model> {
        @Override
        public Arbitrary<Transformer<Model>> transformer() {
            Arbitrary<Long> alignments = Arbitraries.of(1L, 8L, 16L, 64L);
            Arbitrary<Boolean> zeroed = Arbitraries.of(false, false, false, true);
            return net.jqwik.api.Combinators.combine(sizes(), alignments, zeroed).as((size, alignment, zero) -> zero
                    ? Transformer.<Model>mutate("allocateZeroed(" + size + ")", m -> m.allocate(size, 1, true))
                    : Transformer.<Model>mutate("allocate(" + size + ", " + alignment + ")",
                            m -> m.allocate(size, alignment, false)));
        }
    }

    static final class Burst implements Action.Independent<Model> {
        @Override
        public Arbitrary<Transformer<Model>> transformer() {
            return net.jqwik.api.Combinators.combine(Arbitraries.longs().between(1, 512), Arbitraries.integers().between(10, 400))
                    .as((size, n) -> Transformer.mutate("burst " + n + " x " + size, m -> {
                        for (int i = 0; i < n; i++) {
                            m.allocate(size, 1, false);
                        }
                    }));
        }
    }

    static final class Free implements Action.Dependent<Model> {
        @Override
        public boolean precondition(Model m) {
            return !m.live.isEmpty();
        }

        @Override
        public Arbitrary<Transformer<Model>> transformer(Model m) {
            return Arbitraries.integers().between(0, m.live.size() - 1)
                    .map(i -> Transformer.mutate("free #" + i, model -> model.free(i)));
        }
    }

    static final class FreeMany implements Action.Dependent<Model> {
        @Override
        public boolean precondition(Model m) {
            return m.live.size() > 1;
        }

        @Override
        public Arbitrary<Transformer<Model>> transformer(Model m) {
            return Arbitraries.integers().between(2, 10).map(stride -> Transformer.mutate("free every " + stride
                    + "th block but one", model -> {
                        for (int i = model.live.size() - 1; i >= 0; i--) {
                            if (i % stride != 1) {
                                model.free(i);
                            }
                        }
                    }));
        }
    }

    static final class Reallocate implements Action.Dependent<Model> {
        @Override
        public boolean precondition(Model m) {
            return !m.live.isEmpty();
        }

        @Override
        public Arbitrary<Transformer<Model>> transformer(Model m) {
            return net.jqwik.api.Combinators.combine(Arbitraries.integers().between(0, m.live.size() - 1), sizes())
                    .as((i, size) -> Transformer.mutate("reallocate #" + i + " to " + size,
                            model -> model.reallocate(i, size)));
        }
    }

    static final class Close implements Action.Independent<Model> {
        @Override
        public Arbitrary<Transformer<Model>> transformer() {
            return Arbitraries.just(Transformer.mutate("close and reopen", Model::closeAndReopen));
        }
    }

    /** The allocator under test and what it should hold. */
    static final class Model {
        static Geometry nextGeometry = Geometry.CPYTHON_3_9;
        static boolean nextShared;
        static ArenaPolicy nextPolicy = ArenaPolicy.CPYTHON;

        /** A live block; {@code sizeClass} is -1 for the system path. */
        record Live(MemorySegment segment, long cookie, int sizeClass) {
        }

        final Geometry geometry = nextGeometry;
        final boolean shared = nextShared;
        final ArenaPolicy policy = nextPolicy;
        PyMalloc allocator = open();
        final List<Live> live = new ArrayList<>();
        private long cookies;

        void allocate(long size, long alignment, boolean zeroed) {
            MemorySegment s = zeroed ? allocator.allocateZeroed(size) : allocator.allocate(size, alignment);
            assertEquals(size, s.byteSize());
            assertEquals(0, s.address() % Math.max(alignment, geometry.alignment()), "alignment");
            if (zeroed) {
                for (long i = 0; i < size; i++) {
                    assertEquals(0, s.get(ValueLayout.JAVA_BYTE, i));
                }
            }
            boolean pooled = size > 0 && size <= geometry.smallRequestThreshold() && alignment <= geometry.alignment();
            keep(s, pooled ? geometry.sizeClassIndex(size) : -1);
        }

        void free(int i) {
            Live l = live.remove(i);
            LiveBlocks.assertPattern(l.segment(), l.cookie());
            allocator.free(l.segment());
        }

        void reallocate(int i, long size) {
            Live l = live.remove(i);
            MemorySegment r = allocator.reallocate(l.segment(), size);
            assertEquals(size, r.byteSize());
            long kept = Math.min(size, l.segment().byteSize());
            LiveBlocks.assertPattern(r.asSlice(0, kept), l.cookie());
            int sizeClass;
            if (l.sizeClass() < 0) {
                sizeClass = -1; // system blocks stay on the system path
            } else {
                long blockSize = geometry.blockSize(l.sizeClass());
                boolean inPlace = size <= blockSize && 4 * size > 3 * blockSize;
                assertEquals(inPlace, r.address() == l.segment().address(), "pymalloc's in-place rule");
                sizeClass = inPlace ? l.sizeClass() : geometry.sizeClassIndex(size);
            }
            keep(r, sizeClass);
        }

        void closeAndReopen() {
            closeAndCheck();
            live.clear();
            allocator = open();
        }

        void closeAndCheck() {
            List<MemorySegment> segments = live.stream().map(Live::segment).toList();
            allocator.close();
            for (MemorySegment s : segments) {
                if (s.byteSize() > 0) {
                    assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0));
                }
            }
        }

        private void keep(MemorySegment s, int sizeClass) {
            long cookie = ++cookies * 0x9E3779B97F4A7C15L;
            LiveBlocks.fill(s, cookie);
            live.add(new Live(s, cookie, sizeClass));
        }

        /**
         * Two spares with tiny arenas: sequences both reuse spares and really unmap arenas. Requested bytes
         * are tracked, so that their exactness is checked after every step (the contract tests cover the
         * default, untracked allocator).
         */
        private PyMalloc open() {
            PyMalloc.Builder builder = PyMalloc.builder().geometry(geometry).shared(shared).arenaPolicy(policy)
                    .trackRequestedBytes(true);
            return (geometry == TINY ? builder.spareArenas(2) : builder).build();
        }

        void check() {
            if (allocator instanceof SharedAllocator s) {
                s.checkInvariants();
            } else {
                ((ConfinedAllocator) allocator).checkInvariants();
            }
            List<Live> byAddress = new ArrayList<>(live);
            byAddress.sort(Comparator.comparingLong(l -> l.segment().address()));
            for (int i = 1; i < byAddress.size(); i++) {
                MemorySegment a = byAddress.get(i - 1).segment();
                MemorySegment b = byAddress.get(i).segment();
                assertTrue(a.address() + Math.max(1, a.byteSize()) <= b.address(), "blocks overlap");
            }
            for (Live l : live) {
                LiveBlocks.assertPattern(l.segment(), l.cookie());
            }
            MallocStats stats = allocator.stats().checkIdentity();
            long[] perClass = new long[geometry.sizeClassCount()];
            long[] requested = new long[geometry.sizeClassCount()];
            long system = 0;
            long systemBytes = 0;
            for (Live l : live) {
                if (l.sizeClass() >= 0) {
                    perClass[l.sizeClass()]++;
                    requested[l.sizeClass()] += l.segment().byteSize();
                } else {
                    system++;
                    systemBytes += l.segment().byteSize();
                }
            }
            for (int c = 0; c < perClass.length; c++) {
                assertEquals(perClass[c], stats.sizeClasses().get(c).blocksInUse(), "blocks of class " + c);
                assertEquals(requested[c], stats.sizeClasses().get(c).requestedBytes(), "requested bytes of class " + c);
            }
            assertTrue(stats.requestedBytesPeak() >= stats.requestedBytes(), "the peak is at least the present");
            assertTrue(stats.heldBytesPeak() >= stats.heldBytes(), "held peak");
            assertEquals(system, stats.systemLiveBlocks(), "system blocks");
            assertEquals(systemBytes, stats.systemLiveBytes(), "system bytes");
            assertEquals(stats.arenasAllocatedTotal() - stats.arenasReclaimed(), stats.arenasCurrent());
        }
    }
}
