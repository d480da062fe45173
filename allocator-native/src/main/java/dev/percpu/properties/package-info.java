/**
 * The names of every system property and environment variable percpu reads,
 * with their defaults: {@link dev.percpu.properties.PercpuProperties}.
 * Exported API of the {@code dev.percpu.runtime} module; it depends on no
 * other package of percpu, so every layer above (the bridge, the runtime
 * facts, the pools, the Netty adapter) may read through it.
 */
package dev.percpu.properties;
