/**
 * The examples users run first, behind {@link dev.percpu.examples.Main}'s
 * commands: the demo ({@link dev.percpu.examples.Demo}), a Netty HTTP server
 * ({@code server}), a zero-GC producer/consumer pipeline ({@code pipeline}),
 * a fixed-rate load client ({@code load}), and under {@code bench} the JMH
 * benchmarks. Layer: an application of
 * percpu's public API ({@code dev.percpu}, {@code dev.percpu.primitives},
 * {@code dev.percpu.runtime}, {@code dev.percpu.netty}) and nothing below it; the one deliberate
 * exception, the bare-bridge benchmark, lives next to the native code in
 * allocator-native.
 */
package dev.percpu.examples;
