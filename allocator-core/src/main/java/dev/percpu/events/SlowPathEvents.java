package dev.percpu.events;

import java.util.Optional;

/**
 * The one door to percpu's flight recorder events: every slow path calls a
 * method here, which forwards to the event class only when module
 * {@code jdk.jfr} is readable from this one. The check is a constant
 * ({@link #AVAILABLE}, probed once at class initialisation), so without
 * {@code jdk.jfr} no event class is ever loaded and each call costs a
 * branch; with it, nothing happens either while no recording runs
 * ({@link RecordingGate}), and while one runs each event's
 * {@code shouldCommit()} decides (false unless the recording enabled the
 * event).
 */
public final class SlowPathEvents {
    /** Whether {@code jdk.jfr} is in this runtime and readable by this module (always, on the class path). */
    public static final boolean AVAILABLE = probe();

    private SlowPathEvents() {
    }

    /**
     * Whether an event could be recorded now: {@code jdk.jfr} is there and a recording runs. Other
     * percpu modules' events ask this before they make an event object.
     */
    public static boolean recording() {
        return AVAILABLE && RecordingGate.running();
    }

    private static boolean probe() {
        Optional<Module> jfr = ModuleLayer.boot().findModule("jdk.jfr");
        return jfr.isPresent() && SlowPathEvents.class.getModule().canRead(jfr.get());
    }

    /** A CPU stack ran empty and {@code slots} indices came from the depot (one of them to the caller). */
    public static void refill(String pool, int slotSize, int cpu, int slots) {
        if (recording()) {
            RefillEvent.emit(pool, slotSize, cpu, slots);
        }
    }

    /** A CPU stack ran full and {@code slots} indices went from it to the depot (the freed one included). */
    public static void flush(String pool, int slotSize, int cpu, int slots) {
        if (recording()) {
            FlushEvent.emit(pool, slotSize, cpu, slots);
        }
    }

    /** The depot was empty and {@code slots} indices were taken from {@code victimCpu}'s stack. */
    public static void steal(String pool, int slotSize, int cpu, int victimCpu, int slots) {
        if (recording()) {
            StealEvent.emit(pool, slotSize, cpu, victimCpu, slots);
        }
    }

    /** {@code drain()} moved {@code slots} cached indices of {@code cpus} CPUs to the depot. */
    public static void drain(String pool, int slotSize, int cpus, long slots) {
        if (recording()) {
            DrainEvent.emit(pool, slotSize, cpus, slots);
        }
    }

    /** Trimming considered {@code freeSlots} depot slots and released {@code bytes} resident bytes. */
    public static void trim(String pool, int slotSize, int freeSlots, long bytes, boolean byRebalancer) {
        if (recording()) {
            TrimEvent.emit(pool, slotSize, freeSlots, bytes, byRebalancer);
        }
    }

    /** The rebalancer moved {@code amount} (slots, or capacity for a capacity move) from one place to another. */
    public static void rebalancerMove(String pool, int slotSize, String kind, int fromCpu, int toCpu, int amount) {
        if (recording()) {
            RebalancerMoveEvent.emit(pool, slotSize, kind, fromCpu, toCpu, amount);
        }
    }

    /** An allocation of {@code requested} slots found only {@code served} anywhere (depot and every CPU). */
    public static void exhausted(String pool, int slotSize, int cpu, int requested, int served) {
        if (recording()) {
            ExhaustedEvent.emit(pool, slotSize, cpu, requested, served);
        }
    }
}
