/**
 * jpymalloc: CPython's small-object allocator on off-heap memory. The API is {@link org.jpymalloc.PyMalloc}.
 * The module makes downcalls to the C library, so it needs {@code --enable-native-access=org.jpymalloc}.
 */
module org.jpymalloc {
    requires static java.management; // PyMallocMXBean.register only: a program that uses no JMX runs without it
    requires jdk.jfr;          // JFR events
    exports org.jpymalloc;
}
