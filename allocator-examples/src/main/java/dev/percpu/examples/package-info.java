/**
 * The examples users run first, behind {@link dev.percpu.examples.Main}'s
 * commands: the demo ({@link dev.percpu.examples.Demo}), a Netty HTTP server
 * ({@code server}), a zero-GC producer/consumer pipeline ({@code pipeline}),
 * a fixed-rate load client ({@code load}) and the statistics command
 * ({@code stats}). No example imports another: what several share (the
 * allocators by name, the statistics publisher) is in
 * {@code dev.percpu.examples.shared}, which allocator-benchmarks uses too.
 * Layer: an application of percpu's public API ({@code dev.percpu},
 * {@code dev.percpu.primitives}, {@code dev.percpu.runtime},
 * {@code dev.percpu.netty}) and nothing below it.
 */
package dev.percpu.examples;
