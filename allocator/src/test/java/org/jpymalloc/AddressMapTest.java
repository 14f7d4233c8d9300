package org.jpymalloc;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The system path's map of live blocks, against a {@link HashMap} doing the same. */
class AddressMapTest {

    @Test
    void behavesAsAHashMapUnderSeededRandomUse() {
        for (long seed = 1; seed <= 20; seed++) {
            Random random = new Random(seed);
            AddressMap<String> map = new AddressMap<>();
            Map<Long, String> model = new HashMap<>();
            List<Long> keys = new ArrayList<>();
            for (int op = 0; op < 20_000; op++) {
                int choice = random.nextInt(10);
                if (choice < 5 || keys.isEmpty()) {
                    // aligned addresses, many sharing their low bits, as malloc's do
                    long key = (1 + random.nextInt(1 << 12)) * 16L + (random.nextBoolean() ? 0 : 1L << 40);
                    String value = "v" + op;
                    map.put(key, value);
                    if (model.put(key, value) == null) {
                        keys.add(key);
                    }
                } else if (choice < 8) {
                    long key = keys.remove(random.nextInt(keys.size()));
                    assertEquals(model.remove(key), map.remove(key), "seed " + seed + " op " + op);
                } else {
                    long key = random.nextBoolean() && !keys.isEmpty() ? keys.get(random.nextInt(keys.size()))
                            : random.nextLong() | 1;
                    assertEquals(model.get(key), map.get(key), "seed " + seed + " op " + op);
                }
                assertEquals(model.size(), map.size());
            }
            for (Map.Entry<Long, String> e : model.entrySet()) {
                assertEquals(e.getValue(), map.get(e.getKey()));
            }
            List<String> values = map.values();
            assertEquals(model.size(), values.size());
            assertEquals(new HashMap<>(model).values().stream().sorted().toList(), values.stream().sorted().toList());
        }
    }

    @Test
    void zeroIsNoKey() {
        AddressMap<String> map = new AddressMap<>();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> map.put(0, "x"));
        assertEquals("address 0 cannot be a key", e.getMessage());
        map.put(16, "a");
        assertNull(map.get(0));
        assertNull(map.remove(0));
        assertEquals(1, map.size());
        assertEquals("a", map.remove(16));
        assertNull(map.remove(16));
        assertEquals(0, map.size());
    }
}
