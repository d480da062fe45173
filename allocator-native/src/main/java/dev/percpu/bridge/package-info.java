/**
 * The boundary between Java and percpu's native code. Internal: the pool
 * classes in {@code dev.percpu} are the public API; nothing here is meant to
 * be called by applications.
 *
 * <h2>Conventions</h2>
 * <ul>
 *   <li>{@link dev.percpu.bridge.Bridge} is the only type the allocator calls.
 *       {@link dev.percpu.bridge.JniBridge} implements it over JNI; a second
 *       binding (FFM downcalls on JDK 22+) implements the same interface, and
 *       {@link dev.percpu.bridge.Bridges} picks one.</li>
 *   <li>Every stack operation returns an {@code int}: a non-negative value is
 *       a slot index or a count, a negative value is one of the fixed result
 *       codes in {@link dev.percpu.bridge.Bridge} (the C side's
 *       {@code PERCPU_*} codes in {@code percpu_rseq.h}).</li>
 *   <li>Addresses are {@code long}s of native memory owned by the caller.
 *       The bridge checks Java arguments (array bounds, counts) before any
 *       native call, so a wrong length is an exception, never a write past an
 *       array; it cannot check that a block address is live, which is the
 *       allocator's job.</li>
 *   <li>The off-heap layout is drawn once, in C ({@code percpu_layout.h}),
 *       and mirrored by {@link dev.percpu.bridge.StackLayout}.</li>
 * </ul>
 */
package dev.percpu.bridge;
