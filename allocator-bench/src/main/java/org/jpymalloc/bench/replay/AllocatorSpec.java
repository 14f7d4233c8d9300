package org.jpymalloc.bench.replay;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.jpymalloc.Geometry;
import org.jpymalloc.bench.NativePeers;

/**
 * An allocator named on the command line: {@code jpymalloc} (in the default geometry),
 * {@code jpymalloc-3.7}, {@code jpymalloc-3.9}, {@code jpymalloc-3.10} to {@code jpymalloc-3.13}, {@code jpymalloc-shared} (shared
 * mode, default geometry), or a C allocator: {@code glibc}, {@code mimalloc}, {@code tcmalloc},
 * {@code jemalloc}. A jpymalloc name may end in {@code :spares=N} to keep N emptied arenas mapped
 * ({@code jpymalloc-3.9:spares=64}), so that one comparison can show both sides of that policy.
 *
 * @param name the name as given
 * @param geometry the jpymalloc geometry, or null for a C allocator
 * @param shared jpymalloc's shared (thread-safe) mode
 * @param spareArenas jpymalloc's spare arenas, or -1 for the library's default
 */
public record AllocatorSpec(String name, Geometry geometry, boolean shared, int spareArenas) {

    private AllocatorSpec renamed(String newName) {
        return new AllocatorSpec(newName, geometry, shared, spareArenas);
    }

    /** The same allocator with {@code spareArenas} spares (jpymalloc only; C allocators are unchanged). */
    public AllocatorSpec withSpareArenas(int spares) {
        if (spares < -1) {
            throw new IllegalArgumentException("spare arenas must be >= 0, got " + spares);
        }
        return isJpymalloc() ? new AllocatorSpec(name, geometry, shared, spares) : this;
    }

    public boolean isJpymalloc() {
        return geometry != null;
    }

    /** Every name {@link #parse} accepts, for help texts and errors. */
    public static List<String> knownNames() {
        List<String> names = new ArrayList<>(List.of("jpymalloc", "jpymalloc-3.7", "jpymalloc-3.9", "jpymalloc-3.10",
                "jpymalloc-3.11", "jpymalloc-3.12", "jpymalloc-3.13", "jpymalloc-shared"));
        names.addAll(NativePeers.names());
        return names;
    }

    /**
     * @param defaultGeometry the geometry of plain {@code jpymalloc} and {@code jpymalloc-shared}
     * @throws IllegalArgumentException naming the unknown allocator and listing the known ones
     */
    public static AllocatorSpec parse(String text, Geometry defaultGeometry) {
        String name = text.strip().toLowerCase(Locale.ROOT);
        int suffix = name.indexOf(":spares=");
        if (suffix >= 0) {
            AllocatorSpec base = parse(name.substring(0, suffix), defaultGeometry);
            if (!base.isJpymalloc()) {
                throw new IllegalArgumentException("':spares=' applies to jpymalloc only, not '" + text + "'");
            }
            String count = name.substring(suffix + ":spares=".length());
            try {
                return base.withSpareArenas(Integer.parseInt(count)).renamed(name);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad spare arena count '" + count + "' in '" + text + "'");
            }
        }
        return switch (name) {
            case "jpymalloc" -> new AllocatorSpec(name, defaultGeometry, false, -1);
            case "jpymalloc-shared" -> new AllocatorSpec(name, defaultGeometry, true, -1);
            case "jpymalloc-3.7", "jpymalloc-3.9", "jpymalloc-3.10", "jpymalloc-3.11", "jpymalloc-3.12", "jpymalloc-3.13" ->
                    new AllocatorSpec(name, GeometryNames.parse("cpython-" + name.substring("jpymalloc-".length())),
                            false, -1);
            default -> {
                if (!NativePeers.names().contains(name)) {
                    throw new IllegalArgumentException("unknown allocator '" + text + "'; known: "
                            + String.join(", ", knownNames()));
                }
                yield new AllocatorSpec(name, null, false, -1);
            }
        };
    }

    /** A comma-separated list, each parsed with {@link #parse}; duplicates are an error. */
    public static List<AllocatorSpec> parseList(String text, Geometry defaultGeometry) {
        List<AllocatorSpec> specs = new ArrayList<>();
        for (String part : text.split(",")) {
            if (part.isBlank()) {
                throw new IllegalArgumentException("empty allocator name in '" + text + "'");
            }
            AllocatorSpec spec = parse(part, defaultGeometry);
            if (specs.stream().anyMatch(s -> s.name.equals(spec.name))) {
                throw new IllegalArgumentException("allocator '" + spec.name + "' named twice in '" + text + "'");
            }
            specs.add(spec);
        }
        return specs;
    }

    /** The label in reports: the name, with the geometry for plain jpymalloc. */
    public String label() {
        String label = isJpymalloc() && (name.startsWith("jpymalloc:") || name.startsWith("jpymalloc-shared")
                || name.equals("jpymalloc")) ? name + " (" + GeometryNames.describe(geometry) + ")" : name;
        return spareArenas >= 0 && !name.contains(":spares=") ? label + " spares=" + spareArenas : label;
    }
}
