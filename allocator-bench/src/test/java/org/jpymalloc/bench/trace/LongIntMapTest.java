package org.jpymalloc.bench.trace;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The address map against {@link HashMap}, over random puts and removes that force growth and wrap-around. */
class LongIntMapTest {

    @Test
    void behavesLikeAHashMap() {
        for (long seed = 1; seed <= 5; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            LongIntMap map = new LongIntMap();
            Map<Long, Integer> model = new HashMap<>();
            long range = seed * 3000; // few distinct keys: long probe runs, many deletions inside them
            for (int op = 0; op < 200_000; op++) {
                long key = 1 + random.nextLong(range) * 16;
                if (model.containsKey(key)) {
                    assertEquals(model.remove(key), map.remove(key), "remove " + key);
                } else if (random.nextBoolean()) {
                    map.putNew(key, op);
                    model.put(key, op);
                } else {
                    assertEquals(LongIntMap.MISSING, map.remove(key));
                }
                if (op % 997 == 0) {
                    for (Map.Entry<Long, Integer> e : model.entrySet()) {
                        assertEquals(e.getValue(), map.get(e.getKey()));
                    }
                }
            }
            assertEquals(model.size(), map.size());
            assertEquals(model.size(), map.keysForTest().length);
        }
        assertThrows(IllegalArgumentException.class, () -> new LongIntMap().putNew(0, 1));
    }
}
