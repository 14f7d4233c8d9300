package org.jpymalloc.bench.cli;

import java.nio.file.Path;

import org.jpymalloc.Geometry;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/** The trace and geometry every command takes (a picocli mixin). */
final class TraceArguments {

    @Parameters(index = "0", paramLabel = "TRACE",
            description = "glibc mtrace output or a jpymalloc binary trace, optionally gzip-compressed")
    Path trace;

    @Option(names = "--geometry", paramLabel = "GEOMETRY", defaultValue = "cpython-3.9",
            converter = GeometryConverter.class,
            description = "jpymalloc geometry: cpython-3.7, cpython-3.9, cpython-3.10 to cpython-3.13, or "
                    + "arena=SIZE,pool=SIZE,alignment=N,threshold=N (default: ${DEFAULT-VALUE})")
    Geometry geometry;

    static final class GeometryConverter implements ITypeConverter<Geometry> {
        @Override
        public Geometry convert(String value) {
            try {
                return GeometryNames.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
