/**
 * percpu: fixed-size off-heap slots from per-CPU freelists driven by Linux
 * restartable sequences.
 *
 * <p>Start with {@link dev.percpu.SlabConfig#builder()} and
 * {@link dev.percpu.SlabAllocator#create(SlabConfig)}.
 *
 * <h2>Conventions</h2>
 * <ul>
 *   <li>Addresses are {@code long}s; {@code 0} is never a valid slot and
 *       means "none" where a method returns an address.</li>
 *   <li>Bad arguments throw {@link java.lang.IllegalArgumentException} (or
 *       {@link java.lang.IndexOutOfBoundsException} for array ranges) before
 *       anything changes; use after {@code close()} throws
 *       {@link java.lang.IllegalStateException}; exhaustion is
 *       {@link dev.percpu.PoolExhaustedException} or a documented {@code 0}.</li>
 *   <li>Every public method may be called from any thread unless its
 *       Javadoc says otherwise; fast paths allocate nothing on the Java heap.</li>
 *   <li>The design, the rseq protocol and the close protocol are described in
 *       {@code docs/design.md}.</li>
 * </ul>
 */
package dev.percpu;
