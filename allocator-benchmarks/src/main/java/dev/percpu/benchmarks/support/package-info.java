/**
 * What the benchmark packages share: the base classes that hold a family's
 * {@code @Benchmark} methods and JMH settings once ({@link
 * dev.percpu.benchmarks.support.AllocationMatrixBench},
 * {@link dev.percpu.benchmarks.support.PairBench}), with one subclass
 * per allocator in {@code percpu} or {@code baselines} that says only how to
 * allocate and free; the SPSC ring of the handover benchmarks; the
 * {@code FastThreadLocalThread} executor JMH runs event-loop-like threads
 * on; access to {@code sun.misc.Unsafe}.
 *
 * <p>May touch: the JDK, JMH and Netty's thread factory; no allocator.
 */
package dev.percpu.benchmarks.support;
