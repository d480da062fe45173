/**
 * Java Flight Recorder events of percpu's slow paths. Internal: exported
 * only to the Netty adapter (module {@code dev.percpu.netty}), whose own
 * events extend {@link dev.percpu.events.PercpuEvent} and ask
 * {@link dev.percpu.events.SlowPathEvents#recording()} first; the events are
 * found by their names ({@code dev.percpu.*}, category {@code percpu}), not by
 * these classes.
 *
 * <h2>Conventions</h2>
 * <ul>
 *   <li>One small final class per event type, over abstract bases that
 *       carry what events share: {@link dev.percpu.events.PercpuEvent}
 *       (category, {@code @Enabled(false)}, no stack trace, all inherited),
 *       {@link dev.percpu.events.PoolEvent} (pool and slot size) and
 *       {@link dev.percpu.events.BatchEvent} (CPU, slots, bytes). Disabled
 *       by default: a recording gets them only from a settings file that
 *       turns them on ({@code docs/percpu.jfc}) or from
 *       {@code Recording.enable(name)}.</li>
 *   <li>Events are emitted only from slow paths (depot lock held or about to
 *       be released, the rebalancer's round, trimming; in the Netty adapter its
 *       large path and class fallbacks), never from the per-CPU fast path.
 *       Each event class has one static {@code emit} method that creates the
 *       event and sets its fields only when {@code shouldCommit()} says the
 *       recording wants it.</li>
 *   <li>Callers go through {@link dev.percpu.events.SlowPathEvents}, which
 *       probes once whether module {@code jdk.jfr} is readable (it is a
 *       {@code requires static} dependency and may be left out of a jlinked
 *       runtime) and otherwise never touches an event class, so no
 *       {@code jdk.jfr} class is loaded.</li>
 *   <li>Instant events (no duration): the work they report is measured by
 *       their fields (slots, bytes), and its time by the JDK's own events
 *       (for example {@code jdk.JavaMonitorWait} or the thread's samples).</li>
 * </ul>
 *
 * <h2>What it may touch</h2>
 * Nothing of percpu: the engine ({@code dev.percpu.engine}) calls it with
 * primitives and strings.
 */
package dev.percpu.events;
