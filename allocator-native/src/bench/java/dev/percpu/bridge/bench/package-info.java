/**
 * The bridge floor: a JMH benchmark of the bare native bridge (pop + push
 * and their batches, no allocator), the one benchmark that may use
 * {@code dev.percpu.bridge}. Built from {@code src/bench/java} into
 * allocator-native's {@code bench} jar, which allocator-examples shades into
 * its benchmark jar; its C counterpart, the C floor, is
 * {@code src/bench/c/floor_bench.c}, built and run by {@code scripts/bench.sh}.
 */
package dev.percpu.bridge.bench;
