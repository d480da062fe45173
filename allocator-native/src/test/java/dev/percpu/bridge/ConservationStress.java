package dev.percpu.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * The conservation stress the Java tests share, at every level (a block's
 * stacks, a {@code SlabAllocator}, every pool type): 4 x nproc worker
 * threads take and give back random batches of a {@link Subject}'s items,
 * marking each item they hold with their own mark and checking it before
 * giving it back (an item handed to two workers at once shows up as an
 * overwritten mark), while optional background steps (a drainer, say) run
 * beside them. With {@link #forceAborts()} a toggler thread keeps switching
 * the force-abort hook on and off with a restart limit of 4, so that rseq
 * sections abort, hit the bound and go to their slow paths.
 *
 * <p>The run lasts at least the given time and then on until the progress
 * the caller asks for was seen ({@link #until}; at least one operation per
 * worker thread, and an abort when aborts are forced), with a deadline of
 * 120 s: no check depends on how fast the machine or set-up is. Afterwards
 * the workers have given back everything they held; the caller counts what
 * its subject holds and calls {@link #assertOwnedExactlyOnce}.
 *
 * @param <T> an item: an index, an address, a pooled object
 */
public final class ConservationStress<T> {
    private static final long DEADLINE_NANOS = 120_000_000_000L;

    /** What the workers stress: a place items are taken from and given back to. */
    public interface Subject<T> {
        /** Takes up to {@code n} items (at least 1), appending them to {@code into}. */
        void acquire(List<T> into, int n) throws Exception;

        /** Gives back every item of {@code items} (a copy the subject may keep). */
        void release(List<T> items) throws Exception;

        /** Marks a held item as the worker's ({@code owner > 0}); by default items carry no mark. */
        default void mark(T item, long owner) {
        }

        /** Whether a held item still carries {@code owner}'s mark (nobody else wrote it). */
        default boolean hasMark(T item, long owner) {
            return true;
        }
    }

    /** What a run saw. */
    public record Result(long operations, long aborts) {
    }

    private final Subject<T> subject;
    private final int maxHeld;
    private final List<Runnable> background = new ArrayList<>();
    private boolean forceAborts;
    private BooleanSupplier progress = () -> true;

    private ConservationStress(Subject<T> subject, int maxHeld) {
        this.subject = subject;
        this.maxHeld = maxHeld;
    }

    /** A stress of {@code subject} whose workers hold up to {@code maxHeld} items each. */
    public static <T> ConservationStress<T> of(Subject<T> subject, int maxHeld) {
        return new ConservationStress<>(subject, maxHeld);
    }

    /** Runs {@code step} in a loop on its own thread beside the workers (the step paces itself). */
    public ConservationStress<T> alongside(Runnable step) {
        background.add(step);
        return this;
    }

    /** Forces sections to abort throughout the run; the aborts must be seen before it ends. */
    public ConservationStress<T> forceAborts() {
        forceAborts = true;
        return this;
    }

    /** Runs on past the minimum time until {@code seen} holds too. */
    public ConservationStress<T> until(BooleanSupplier seen) {
        progress = seen;
        return this;
    }

    /**
     * Runs the workers for at least {@code minMillis}, then until progress
     * was seen or the deadline passed; rethrows the first failure of a
     * worker or background step.
     */
    public Result run(long minMillis) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        LongAdder operations = new LongAdder();
        LongAdder aborts = new LongAdder();
        int workers = 4 * Runtime.getRuntime().availableProcessors();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < workers; t++) {
            long owner = t + 1;
            threads.add(new Thread(() -> work(owner, stop, failure, operations, aborts)));
        }
        for (Runnable step : background) {
            threads.add(new Thread(() -> {
                try {
                    while (!stop.get()) {
                        step.run();
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        int restartLimit = RseqCalls.restartLimit();
        if (forceAborts) {
            RseqCalls.restartLimit(4);
            threads.add(new Thread(() -> {
                while (!stop.get()) {
                    RseqCalls.forceAbort(true);
                    Thread.onSpinWait();
                    RseqCalls.forceAbort(false);
                    sleepQuietly(0);
                }
            }));
        }
        try {
            threads.forEach(Thread::start);
            long start = System.nanoTime();
            Thread.sleep(minMillis);
            while (failure.get() == null && System.nanoTime() - start < DEADLINE_NANOS
                && !(operations.sum() >= workers && (!forceAborts || aborts.sum() > 0) && progress.getAsBoolean())) {
                Thread.sleep(10);
            }
        } finally {
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            RseqCalls.forceAbort(false);
            RseqCalls.restartLimit(restartLimit);
        }
        if (failure.get() != null) {
            throw new AssertionError("a worker failed", failure.get());
        }
        return new Result(operations.sum(), aborts.sum());
    }

    private void work(long owner, AtomicBoolean stop, AtomicReference<Throwable> failure, LongAdder operations,
                      LongAdder aborts) {
        long abortsSeen = RseqCalls.threadAborts();
        SplittableRandom random = new SplittableRandom(owner);
        List<T> held = new ArrayList<>(maxHeld);
        try {
            while (!stop.get()) {
                if (random.nextBoolean() && held.size() < maxHeld) {
                    int before = held.size();
                    subject.acquire(held, 1 + random.nextInt(maxHeld - before));
                    for (int i = before; i < held.size(); i++) {
                        subject.mark(held.get(i), owner);
                    }
                } else if (!held.isEmpty()) {
                    List<T> batch = held.subList(held.size() - 1 - random.nextInt(held.size()), held.size());
                    for (T item : batch) {
                        if (!subject.hasMark(item, owner)) {
                            throw new AssertionError(item + " was overwritten while held by worker " + owner);
                        }
                    }
                    subject.release(new ArrayList<>(batch));
                    batch.clear();
                }
                operations.increment();
                long abortsNow = RseqCalls.threadAborts();
                aborts.add(abortsNow - abortsSeen);
                abortsSeen = abortsNow;
            }
            if (!held.isEmpty()) {
                subject.release(new ArrayList<>(held));
            }
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        }
    }

    /** Asserts that {@code found} holds {@code expected} items, no two equal: each owned exactly once. */
    public static void assertOwnedExactlyOnce(Collection<?> found, int expected, String what) {
        assertEquals(expected, found.size(), what + ": nothing lost, nothing extra");
        assertEquals(expected, new HashSet<>(found).size(), what + ": no item owned twice");
    }

    /** Sleeps {@code millis} (0: 0.1 ms), keeping the interrupt flag. */
    public static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis, millis == 0 ? 100_000 : 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
