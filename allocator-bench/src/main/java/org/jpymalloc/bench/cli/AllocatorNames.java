package org.jpymalloc.bench.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.jpymalloc.ArenaPolicy;
import org.jpymalloc.Geometry;
import org.jpymalloc.bench.NativePeers;
import org.jpymalloc.bench.replay.AllocatorSpec;

/**
 * Allocators by name on the command line: {@code jpymalloc} (in the {@code --geometry}), {@code jpymalloc-3.7},
 * {@code jpymalloc-3.9}, {@code jpymalloc-3.10} to {@code jpymalloc-3.13}, {@code jpymalloc-shared} (shared
 * mode, in the {@code --geometry}), {@code jpymalloc-threadheap} (a thread heap of a shared allocator, in the
 * {@code --geometry}), or a C allocator: {@code glibc}, {@code mimalloc}, {@code tcmalloc},
 * {@code jemalloc} (and their {@code -plain} forms). A jpymalloc name may end in suffixes, in any order:
 * {@code :spares=N} keeps at most N emptied arenas mapped (0: CPython's policy), {@code :policy=NAME} picks
 * an {@link ArenaPolicy} ({@code jpymalloc-3.9:spares=0:policy=address}).
 */
public final class AllocatorNames {

    private static final List<String> JPYMALLOC = List.of("jpymalloc", "jpymalloc-3.7", "jpymalloc-3.9",
            "jpymalloc-3.10", "jpymalloc-3.11", "jpymalloc-3.12", "jpymalloc-3.13", "jpymalloc-shared",
            "jpymalloc-threadheap");

    private AllocatorNames() {
    }

    /** Every base name {@link #parse} accepts, for help texts and errors. */
    public static List<String> knownNames() {
        List<String> names = new ArrayList<>(JPYMALLOC);
        names.addAll(NativePeers.names());
        return names;
    }

    /**
     * @param defaultGeometry the geometry of plain {@code jpymalloc}, {@code jpymalloc-shared} and {@code
     *     jpymalloc-threadheap}
     * @throws IllegalArgumentException naming the bad name, suffix or value and listing the valid ones
     */
    public static AllocatorSpec parse(String text, Geometry defaultGeometry) {
        String name = text.strip().toLowerCase(Locale.ROOT);
        String[] parts = name.split(":", -1);
        String base = parts[0];
        if (!JPYMALLOC.contains(base)) {
            if (!NativePeers.names().contains(base)) {
                throw new IllegalArgumentException("unknown allocator '" + text + "'; known: "
                        + String.join(", ", knownNames()));
            }
            if (parts.length > 1) {
                throw new IllegalArgumentException("':" + parts[1] + "' applies to jpymalloc only, not '" + text + "'");
            }
            return new AllocatorSpec(name, null, false, -1);
        }
        AllocatorSpec.Mode mode = switch (base) {
            case "jpymalloc-shared" -> AllocatorSpec.Mode.SHARED;
            case "jpymalloc-threadheap" -> AllocatorSpec.Mode.THREAD_HEAP;
            default -> AllocatorSpec.Mode.CONFINED;
        };
        boolean plain = base.equals("jpymalloc") || mode != AllocatorSpec.Mode.CONFINED;
        Geometry geometry = plain ? defaultGeometry : GeometryNames.parse("cpython-" + base.substring("jpymalloc-".length()));
        int spares = -1;
        ArenaPolicy policy = ArenaPolicy.CPYTHON;
        boolean policyGiven = false;
        for (int i = 1; i < parts.length; i++) {
            String[] pair = parts[i].split("=", 2);
            String key = pair[0];
            String value = pair.length == 2 ? pair[1] : "";
            if (key.equals("spares") && spares < 0) {
                spares = spareCount(value, text);
            } else if (key.equals("policy") && !policyGiven) {
                policy = ArenaPolicy.named(value);
                policyGiven = true;
            } else {
                throw new IllegalArgumentException("bad suffix ':" + parts[i] + "' in '" + text
                        + "'; a jpymalloc name takes :spares=N and :policy=NAME, each once");
            }
        }
        String label = plain ? name + " (" + GeometryNames.describe(geometry) + ")" : name;
        return new AllocatorSpec(name, label, geometry, mode, spares, policy);
    }

    private static int spareCount(String value, String text) {
        try {
            int spares = Integer.parseInt(value);
            if (spares >= 0) {
                return spares;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("bad spare arena count '" + value + "' in '" + text + "'");
    }

    /** A comma-separated list, each parsed with {@link #parse}; empty names and duplicates are errors. */
    public static List<AllocatorSpec> parseList(String text, Geometry defaultGeometry) {
        List<AllocatorSpec> specs = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            if (part.isBlank()) {
                throw new IllegalArgumentException("empty allocator name in '" + text + "'");
            }
            AllocatorSpec spec = parse(part, defaultGeometry);
            if (specs.stream().anyMatch(s -> s.name().equals(spec.name()))) {
                throw new IllegalArgumentException("allocator '" + spec.name() + "' named twice in '" + text + "'");
            }
            specs.add(spec);
        }
        return specs;
    }
}
