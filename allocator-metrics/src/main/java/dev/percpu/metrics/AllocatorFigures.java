package dev.percpu.metrics;

import dev.percpu.SlabStats;
import dev.percpu.netty.PercpuByteBufAllocator;
import java.util.function.ToLongFunction;

/**
 * The figures both the Micrometer binder and the MXBean report, read from one allocator so that no
 * read throws: a figure the allocator can no longer give (its size classes unmapped after
 * {@code close()}, or {@code PercpuByteBufAllocator.DEFAULT} where percpu cannot serve) reads as
 * {@link Double#NaN} (Micrometer's value for "no reading") or {@code -1} (for JMX). Per-class
 * figures come from one {@link SlabStats} snapshot per read.
 */
final class AllocatorFigures {
    private final PercpuByteBufAllocator allocator;
    private final int[] classSizes;

    AllocatorFigures(PercpuByteBufAllocator allocator) {
        this.allocator = allocator;
        this.classSizes = readClassSizes(allocator);
    }

    private static int[] readClassSizes(PercpuByteBufAllocator allocator) {
        try {
            int[] sizes = new int[allocator.classCount()];
            for (int i = 0; i < sizes.length; i++) {
                sizes[i] = allocator.classSize(i);
            }
            return sizes;
        } catch (UnsupportedOperationException | IllegalStateException e) {
            return new int[0];
        }
    }

    PercpuByteBufAllocator allocator() {
        return allocator;
    }

    /** The class sizes in bytes, by class index; empty where the allocator has no size classes to read. */
    int[] classSizes() {
        return classSizes.clone();
    }

    int classCount() {
        return classSizes.length;
    }

    int classSize(int i) {
        return classSizes[i];
    }

    /** The allocator's mode by name, or {@code "UNAVAILABLE"} where it has none to give. */
    String mode() {
        try {
            return allocator.mode().name();
        } catch (UnsupportedOperationException | IllegalStateException e) {
            return "UNAVAILABLE";
        }
    }

    /** An allocator-wide figure, or -1 where the allocator cannot give it now. */
    long read(ToLongFunction<PercpuByteBufAllocator> figure) {
        try {
            return figure.applyAsLong(allocator);
        } catch (UnsupportedOperationException | IllegalStateException e) {
            return -1;
        }
    }

    /** A figure of class {@code i}, from a fresh snapshot, or -1 where the class cannot be read now. */
    long readClass(int i, ClassFigure figure) {
        try {
            return figure.of(allocator.classStats(i), classSizes[i]);
        } catch (UnsupportedOperationException | IllegalStateException e) {
            return -1;
        }
    }

    /** One figure of every class, by class index; -1 for a class that cannot be read now. */
    long[] readClasses(ClassFigure figure) {
        long[] values = new long[classSizes.length];
        for (int i = 0; i < values.length; i++) {
            values[i] = readClass(i, figure);
        }
        return values;
    }

    /** A reading as a meter value: {@link Double#NaN} for -1 ("cannot be read now"). */
    static double meterValue(long reading) {
        return reading < 0 ? Double.NaN : reading;
    }

    /** One figure of a size class, from a snapshot of its counters and its size in bytes. */
    @FunctionalInterface
    interface ClassFigure {
        long of(SlabStats stats, int classSize);
    }

    /** Bytes of the class's blocks handed out and not released. */
    static long inUseBytes(SlabStats s, int size) {
        return s.inUse() * size;
    }

    /** Bytes of free blocks cached on the CPUs' stacks. */
    static long cachedOnCpusBytes(SlabStats s, int size) {
        return s.freeOnCpus() * size;
    }

    /**
     * Bytes of committed free blocks in the depot: committed, minus in use, minus cached on CPUs
     * (the depot's never-used tail is not committed, so {@code depotFree()} would over-count).
     */
    static long depotBytes(SlabStats s, int size) {
        return Math.max(0, s.committedBytes() - s.inUse() * size - s.freeOnCpus() * size);
    }

    /** The most the CPUs' stacks of this class may hold, in bytes. */
    static long cpuCacheCapacityBytes(SlabStats s, int size) {
        return s.capacityOnCpus() * size;
    }

    static long committedBytes(SlabStats s, int size) {
        return s.committedBytes();
    }

    static long handedBackBytes(SlabStats s, int size) {
        return s.trimmedBytes();
    }

    static long refills(SlabStats s, int size) {
        return s.refills();
    }

    static long flushes(SlabStats s, int size) {
        return s.flushes();
    }

    static long steals(SlabStats s, int size) {
        return s.steals();
    }

    static long slowPathEntries(SlabStats s, int size) {
        return s.slowPathEntries();
    }
}
