/**
 * What several examples and the benchmarks share, so that no example imports
 * another: the Netty allocators by name ({@link
 * dev.percpu.examples.shared.NamedAllocator}), used by the server, the
 * pipeline and allocator-benchmarks, and the start of a statistics publisher
 * ({@link dev.percpu.examples.shared.Publishing}), used by the demo and the
 * server. Layer: percpu's public API and Netty; nothing of the examples.
 */
package dev.percpu.examples.shared;
