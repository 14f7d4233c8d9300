package org.jpymalloc;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code debugHooks(true)}: fills, guards, quarantine. Damage can only come from native code or a
 * {@code reinterpret}ed segment (the JDK bounds-checks the rest), so the tests write that way.
 */
class DebugHooksTest {

    private static PyMalloc debug(boolean shared) {
        return PyMalloc.builder().shared(shared).debugHooks(true).atClose(LeakDetection.AtClose.IGNORE).build();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void fillsNewAndFreedMemory(boolean shared) {
        try (PyMalloc heap = debug(shared)) {
            MemorySegment fresh = heap.allocate(40);
            assertEquals(40, fresh.byteSize());
            assertEquals(0, fresh.address() % 16);
            for (long i = 0; i < 40; i++) {
                assertEquals((byte) 0xCD, fresh.get(ValueLayout.JAVA_BYTE, i), "CLEANBYTE at " + i);
            }
            MemorySegment zeroed = heap.allocateZeroed(40);
            assertEquals(0, zeroed.get(ValueLayout.JAVA_LONG, 0));
            heap.free(fresh);
            assertEquals((byte) 0xDD, fresh.get(ValueLayout.JAVA_BYTE, 0), "DEADBYTE: the block waits in quarantine");
            MemorySegment aligned = heap.allocate(100, 256);
            assertEquals(0, aligned.address() % 256);
            heap.free(aligned);
            // 40 + 24 bytes: class 3 (64-byte blocks); the freed one waits in quarantine, still allocated.
            assertEquals(2, heap.stats().sizeClasses().get(3).blocksInUse());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void anOverrunIsReportedLikeCPythonAndTheBlockIsLeftAlone(boolean shared) {
        try (PyMalloc heap = debug(shared)) {
            MemorySegment bystander = heap.allocate(24);
            bystander.set(ValueLayout.JAVA_LONG, 0, 77);
            MemorySegment victim = heap.allocate(24);
            victim.reinterpret(26).set(ValueLayout.JAVA_BYTE, 24, (byte) 0x41); // two bytes past the end
            victim.reinterpret(26).set(ValueLayout.JAVA_BYTE, 25, (byte) 0x42);

            GuardDamageException e = assertThrows(GuardDamageException.class, () -> heap.free(victim));
            assertEquals(victim.address(), e.address());
            String tail = String.format(Locale.ROOT, "0x%x", victim.address() + 24);
            assertEquals(String.format(Locale.ROOT, """
                    Debug memory block at address p=0x%x: API 'o' (bad guard bytes)
                        24 bytes originally requested
                        The 7 pad bytes at p-7 are FORBIDDENBYTE, as expected.
                        The 8 pad bytes at tail=%s are not all FORBIDDENBYTE (0xfd):
                            at tail+0: 0x41 *** OUCH
                            at tail+1: 0x42 *** OUCH
                            at tail+2: 0xfd
                            at tail+3: 0xfd
                            at tail+4: 0xfd
                            at tail+5: 0xfd
                            at tail+6: 0xfd
                            at tail+7: 0xfd""", victim.address(), tail).replace("\n", System.lineSeparator()),
                    e.getMessage());
            assertThrows(GuardDamageException.class, heap::checkGuards, "found on demand too");
            assertThrows(GuardDamageException.class, () -> heap.reallocate(victim, 100), "and at reallocate");
            assertEquals(77, bystander.get(ValueLayout.JAVA_LONG, 0));
            heap.free(heap.allocate(24)); // still works

            victim.reinterpret(26).asSlice(24, 2).fill((byte) 0xFD); // repaired: now it frees
            heap.free(victim);
            heap.checkGuards();
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void anUnderrunNamesTheHeadBytes(boolean shared) {
        try (PyMalloc heap = debug(shared)) {
            MemorySegment victim = heap.allocate(8);
            MemorySegment.ofAddress(victim.address() - 1).reinterpret(1).set(ValueLayout.JAVA_BYTE, 0, (byte) 0);
            GuardDamageException e = assertThrows(GuardDamageException.class, () -> heap.free(victim));
            assertTrue(e.getMessage().contains("    The 7 pad bytes at p-7 are not all FORBIDDENBYTE (0xfd):"
                    + System.lineSeparator() + "        at p-7: 0xfd"), e.getMessage());
            assertTrue(e.getMessage().contains("        at p-1: 0x00 *** OUCH"), e.getMessage());
            MemorySegment.ofAddress(victim.address() - 1).reinterpret(1).set(ValueLayout.JAVA_BYTE, 0, (byte) 0xFD);
            heap.free(victim);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aWriteAfterFreeIsCaughtWhenTheBlockLeavesTheQuarantine(boolean shared) {
        PyMalloc heap = debug(shared);
        MemorySegment victim = heap.allocate(32);
        heap.free(victim);
        victim.set(ValueLayout.JAVA_INT, 4, 42); // through the stale segment: the memory is still mapped
        List<MemorySegment> others = new ArrayList<>();
        for (int i = 0; i < DebugHooks.QUARANTINE_BLOCKS - 1; i++) {
            others.add(heap.allocate(32));
        }
        others.forEach(heap::free);
        GuardDamageException e = assertThrows(GuardDamageException.class, () -> heap.free(heap.allocate(32)));
        assertEquals(victim.address(), e.address());
        assertTrue(e.getMessage().startsWith(String.format(Locale.ROOT, "Debug memory block at address p=0x%x: "
                + "API 'o' (written after it was freed: byte 4 of the freed block is 0x2a, not DEADBYTE (0xdd))",
                victim.address())), e.getMessage());
        heap.free(heap.allocate(32)); // the allocator goes on; the damaged block is never reused
        heap.close();

        PyMalloc atClose = debug(shared);
        MemorySegment freed = atClose.allocate(16);
        atClose.free(freed);
        freed.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
        assertThrows(GuardDamageException.class, atClose::close, "the quarantine is checked at close");
        assertThrows(IllegalStateException.class, () -> atClose.allocate(16), "closed all the same");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void misuseIsStillNamed(boolean shared) {
        try (PyMalloc heap = debug(shared); Arena arena = Arena.ofConfined()) {
            MemorySegment block = heap.allocate(64);
            block.fill((byte) 9);
            MemorySegment grown = heap.reallocate(block, 200);
            assertEquals(9, grown.get(ValueLayout.JAVA_BYTE, 63));
            assertEquals((byte) 0xCD, grown.get(ValueLayout.JAVA_BYTE, 64), "grown part is CLEANBYTE");
            IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> heap.free(block));
            assertTrue(twice.getMessage().contains("was already freed (double free); it waits in the debug quarantine"),
                    twice.getMessage());
            IllegalArgumentException foreign = assertThrows(IllegalArgumentException.class,
                    () -> heap.free(arena.allocate(16)));
            assertTrue(foreign.getMessage().contains("0x"), foreign.getMessage());
            assertThrows(IllegalArgumentException.class, () -> heap.free(grown.asSlice(8)), "interior");
            assertThrows(IllegalArgumentException.class, () -> heap.allocate(-1));
            assertThrows(IllegalArgumentException.class, () -> heap.allocate(8, 3));
            heap.free(grown);
            heap.checkGuards();
            try (Handle handle = heap.allocateHandle(10)) {
                assertEquals((byte) 0xCD, handle.segment().get(ValueLayout.JAVA_BYTE, 9));
            }
        }
    }
}
