/**
 * The bridge layer: the boundary between Java and percpu's native code.
 * Internal: in a module it is exported only to {@code dev.percpu}; on the
 * class path nothing here is meant to be called by applications.
 *
 * <h2>What it may touch, and who may touch it</h2>
 * Below it: only {@code libpercpu.so}. Above it: the allocator engine
 * ({@code dev.percpu.engine}) calls {@link dev.percpu.bridge.StackCalls},
 * {@link dev.percpu.bridge.BlockCalls} and
 * {@link dev.percpu.bridge.MemoryCalls}; the research primitives
 * ({@code dev.percpu.primitives}) call {@link dev.percpu.bridge.PrimitiveCalls}
 * and the memory and registration calls; {@code dev.percpu.runtime} reports
 * what the bridge found. Nothing else imports this package.
 *
 * <h2>Split by capability</h2>
 * <ul>
 *   <li>{@link dev.percpu.bridge.StackCalls}: the critical, non-blocking
 *       stack operations. Two bindings: JNI ({@code JniStackCalls}) and FFM
 *       critical downcalls on JDK 22+ ({@code FfmStackCalls}, in the
 *       multi-release jar). {@link dev.percpu.bridge.Bridges} picks one per JVM.</li>
 *   <li>{@link dev.percpu.bridge.PrimitiveCalls}: the research primitives'
 *       sections, bound the same two ways.</li>
 *   <li>{@link dev.percpu.bridge.BlockCalls} (blocks, remote access, close),
 *       {@link dev.percpu.bridge.MemoryCalls} (mapping, poison words, views)
 *       and {@link dev.percpu.bridge.RseqCalls} (registration, test hooks):
 *       slow or blocking, JNI on every JDK, static methods.</li>
 * </ul>
 *
 * <h2>Conventions</h2>
 * <ul>
 *   <li>Every stack operation returns an {@code int}: a non-negative value is
 *       a slot index or a count, a negative value is one of the fixed codes
 *       of {@link dev.percpu.bridge.NativeCodes}, mirrored from C and checked
 *       by a test.</li>
 *   <li>Addresses are {@code long}s of native memory owned by the caller.
 *       The bridge checks Java arguments (array bounds, counts) before any
 *       native call, so a wrong length is an exception, never a write past an
 *       array; it cannot check that a block address is live, which is the
 *       engine's job.</li>
 *   <li>The off-heap layout is drawn once, in C ({@code percpu_layout.h}),
 *       and mirrored by {@link dev.percpu.bridge.StackLayout}.</li>
 * </ul>
 */
package dev.percpu.bridge;
