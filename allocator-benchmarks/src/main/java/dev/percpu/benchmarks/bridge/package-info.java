/**
 * The bridge floor: a JMH benchmark of the bare native bridge (pop + push
 * and their batches, no allocator), the one benchmark that may use
 * {@code dev.percpu.bridge} (public classes of percpu-native that its module
 * descriptor exports to percpu's allocator module alone; this module runs on
 * the class path). Its C counterpart, the C floor, is
 * {@code allocator-benchmarks/src/main/c/floor_bench.c}, compiled by this
 * module's build as a check and built and run by
 * {@code allocator-benchmarks/scripts/bench.sh}.
 */
package dev.percpu.benchmarks.bridge;
