/**
 * percpu's native layer: the C library (rseq sections, registration, remote
 * access) with its loader and bridge, and the runtime facts every user may
 * need ({@link dev.percpu.runtime.Mode}, {@link dev.percpu.runtime.PercpuRuntime}),
 * and the names and defaults of every system property and environment
 * variable percpu reads ({@link dev.percpu.properties.PercpuProperties}, a
 * package that depends on no other).
 *
 * <p>Only {@code dev.percpu.runtime} and {@code dev.percpu.properties} are
 * API. The bridge package is exported to the allocator module alone. Loading the library and the FFM downcalls
 * of JDK 22+ are restricted operations: run with
 * {@code --enable-native-access=dev.percpu.runtime} (on the class path:
 * {@code ALL-UNNAMED}) to keep the JDK from warning.
 *
 * <p>This descriptor is compiled after the tests (see the module's pom), so
 * the tests run on the class path, where split test packages are simple.
 */
module dev.percpu.runtime {
    exports dev.percpu.runtime;
    exports dev.percpu.properties;
    exports dev.percpu.bridge to dev.percpu;
}
