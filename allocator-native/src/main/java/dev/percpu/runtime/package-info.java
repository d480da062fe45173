/**
 * What every percpu user may need below the pools: the {@link dev.percpu.runtime.Mode}
 * a pool or primitive runs in, and {@link dev.percpu.runtime.PercpuRuntime}'s facts
 * about this process (registration, remote fence, bridge, library). Exported
 * API of the {@code dev.percpu.runtime} module; it reads the bridge layer of
 * the same module and nothing above it.
 */
package dev.percpu.runtime;
