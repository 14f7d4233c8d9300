package org.jpymalloc.bench.cli;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.jpymalloc.Geometry;

/**
 * Geometries by name on the command line: {@code cpython-3.7}, {@code cpython-3.9}, {@code cpython-3.10} to
 * {@code cpython-3.13} (3.11 to 3.13 share a geometry: {@link #describe} names it {@code cpython-3.11}), or a
 * custom one as {@code arena=256K,pool=4K,alignment=16,threshold=512} (every key required; sizes
 * take K, M or G), validated by {@link Geometry}'s own rules.
 */
public final class GeometryNames {

    private static final Map<String, Geometry> PRESETS = new LinkedHashMap<>();

    static {
        PRESETS.put("cpython-3.7", Geometry.CPYTHON_3_7);
        PRESETS.put("cpython-3.9", Geometry.CPYTHON_3_9);
        PRESETS.put("cpython-3.10", Geometry.CPYTHON_3_10);
        PRESETS.put("cpython-3.11", Geometry.CPYTHON_3_11);
        PRESETS.put("cpython-3.12", Geometry.CPYTHON_3_12);
        PRESETS.put("cpython-3.13", Geometry.CPYTHON_3_13);
    }

    private GeometryNames() {
    }

    /** @throws IllegalArgumentException naming the bad value and the accepted forms */
    public static Geometry parse(String text) {
        String name = text.strip().toLowerCase(Locale.ROOT);
        Geometry preset = PRESETS.get(name);
        if (preset != null) {
            return preset;
        }
        if (!name.contains("=")) {
            throw new IllegalArgumentException("unknown geometry '" + text + "'; use one of " + PRESETS.keySet()
                    + " or arena=SIZE,pool=SIZE,alignment=N,threshold=N");
        }
        Map<String, Long> values = new LinkedHashMap<>();
        for (String part : name.split(",")) {
            String[] pair = part.split("=", 2);
            if (pair.length != 2 || !java.util.Set.of("arena", "pool", "alignment", "threshold").contains(pair[0].strip())) {
                throw new IllegalArgumentException("bad geometry part '" + part + "' in '" + text
                        + "'; expected arena=, pool=, alignment=, threshold=");
            }
            values.put(pair[0].strip(), size(pair[1].strip(), text));
        }
        for (String key : new String[] {"arena", "pool", "alignment", "threshold"}) {
            if (!values.containsKey(key)) {
                throw new IllegalArgumentException("geometry '" + text + "' lacks " + key + "=");
            }
        }
        return new Geometry(values.get("arena"), values.get("pool"), values.get("alignment"), values.get("threshold"));
    }

    /** The preset's name, or the custom form {@link #parse} reads back. */
    public static String describe(Geometry geometry) {
        for (Map.Entry<String, Geometry> preset : PRESETS.entrySet()) {
            if (preset.getValue().equals(geometry)) {
                return preset.getKey();
            }
        }
        return "arena=" + geometry.arenaSize() + ",pool=" + geometry.poolSize() + ",alignment=" + geometry.alignment()
                + ",threshold=" + geometry.smallRequestThreshold();
    }

    private static long size(String value, String whole) {
        long unit = 1;
        String digits = value;
        char last = value.isEmpty() ? ' ' : Character.toUpperCase(value.charAt(value.length() - 1));
        if (last == 'K' || last == 'M' || last == 'G') {
            unit = last == 'K' ? 1L << 10 : last == 'M' ? 1L << 20 : 1L << 30;
            digits = value.substring(0, value.length() - 1);
        }
        try {
            return Math.multiplyExact(Long.parseLong(digits), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("bad size '" + value + "' in geometry '" + whole + "'");
        }
    }
}
