/**
 * The examples users run first: the demo ({@link dev.percpu.examples.Demo}),
 * and under {@code bench} the JMH benchmarks. Layer: an application of
 * percpu's public API ({@code dev.percpu}, {@code dev.percpu.primitives},
 * {@code dev.percpu.runtime}) and nothing below it; the one deliberate
 * exception, the bare-bridge benchmark, lives next to the native code in
 * allocator-native.
 */
package dev.percpu.examples;
