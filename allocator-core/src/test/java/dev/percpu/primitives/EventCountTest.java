package dev.percpu.primitives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.percpu.bridge.PinnedRun;
import dev.percpu.bridge.RseqAvailability;
import dev.percpu.bridge.RseqCalls;
import dev.percpu.runtime.Mode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Each property of the event-count commit, proven on pinned threads, and conservation under stress. */
class EventCountTest {

    @AfterEach
    void unpin() {
        RseqCalls.pinCurrentThread(-1);
    }

    private void needTwoCpusAndRseq() {
        RseqAvailability.requireRseq();
        assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "needs 2 CPUs");
    }

    /** Involuntary context switches of the calling thread, from /proc/thread-self/status. */
    private static long involuntarySwitches() throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/thread-self/status"))) {
            if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new IllegalStateException("no nonvoluntary_ctxt_switches in /proc/thread-self/status");
    }

    private static long spin(long nanos) {
        long end = System.nanoTime() + nanos;
        long x = 0;
        while (System.nanoTime() < end) {
            x += x * 31 + 7;
        }
        return x;
    }

    /** Runs a thread pinned to cpu and waits for it. */
    private void onCpu(int cpu, Runnable body) throws InterruptedException {
        Thread t = new Thread(() -> {
            assertTrue(RseqCalls.pinCurrentThread(cpu));
            body.run();
        });
        t.start();
        t.join();
    }

    @Test
    void shouldCommitAfterPreemptionWhenNoOtherThreadBeganOnThatCpu() throws Exception {
        needTwoCpusAndRseq();
        EventCount events = EventCount.create(Mode.RSEQ);
        PerCpuLongArray target = PerCpuLongArray.create(1, Mode.RSEQ);
        assertTrue(RseqCalls.pinCurrentThread(0));
        long migrations = PinnedRun.migrations();
        AtomicBoolean stop = new AtomicBoolean();
        Thread hog = new Thread(() -> {
            RseqCalls.pinCurrentThread(0);
            while (!stop.get()) {
                spin(1_000_000);
            }
        });
        long switchesBefore = involuntarySwitches();
        long ticket = events.begin();
        hog.start();
        spin(300_000_000L);
        long switchesAfter = involuntarySwitches();
        int result = events.commit(ticket, target, 0, 77);
        boolean held = PinnedRun.held(0, migrations);
        stop.set(true);
        hog.join();
        PinnedRun.assumeHeld(held);
        assertTrue(switchesAfter > switchesBefore,
            "the thread was preempted between begin and commit: " + switchesBefore + " -> " + switchesAfter);
        assertEquals(0, EventCount.cpuOf(ticket));
        assertEquals(PerCpuResult.OK, result, PerCpuResult.name(result));
        assertEquals(77, target.get(0, 0));
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldFailWhenAnotherThreadBeganOnTheSameCpu(Mode mode) throws Exception {
        if (mode == Mode.RSEQ) {
            needTwoCpusAndRseq();
        }
        EventCount events = EventCount.create(mode);
        PerCpuLongArray target = PerCpuLongArray.create(1, mode);
        assertTrue(RseqCalls.pinCurrentThread(0));
        long migrations = PinnedRun.migrations();
        long ticket = events.begin();
        AtomicLong other = new AtomicLong();
        AtomicBoolean otherHeld = new AtomicBoolean();
        onCpu(0, () -> {
            long otherMigrations = PinnedRun.migrations();
            other.set(events.begin());
            otherHeld.set(PinnedRun.held(0, otherMigrations));
        });
        int failed = events.commit(ticket, target, 0, 5);
        long afterFailed = target.get(0, 0);
        long fresh = events.begin();
        int retried = events.commit(fresh, target, 0, 5);
        PinnedRun.assumeHeld(PinnedRun.held(0, migrations) && otherHeld.get());
        assertEquals(0, EventCount.cpuOf(other.get()));
        assertEquals(EventCount.sequenceOf(ticket) + 1, EventCount.sequenceOf(other.get()));
        assertEquals(PerCpuResult.COMPARE_FAILED, failed);
        assertEquals(0, afterFailed, "a failed commit writes nothing");
        assertEquals(PerCpuResult.OK, retried, "a retry with a new ticket succeeds");
        assertEquals(5, target.get(0, 0));
    }

    @Test
    void shouldFailAfterMigrationInRseqMode() {
        needTwoCpusAndRseq();
        EventCount events = EventCount.create(Mode.RSEQ);
        PerCpuLongArray target = PerCpuLongArray.create(1, Mode.RSEQ);
        assertTrue(RseqCalls.pinCurrentThread(0));
        long onZero = PinnedRun.migrations();
        long ticket = events.begin();
        boolean heldOnZero = PinnedRun.held(0, onZero);
        assertTrue(RseqCalls.pinCurrentThread(1));
        long onOne = PinnedRun.migrations();
        int result = events.commit(ticket, target, 0, 5);
        PinnedRun.assumeHeld(heldOnZero && PinnedRun.held(1, onOne));
        assertEquals(PerCpuResult.NOT_ON_CPU, result);
        assertEquals(0, target.get(0, 0));
        assertEquals(0, target.get(1, 0));
    }

    @Test
    void shouldLetAMigratedCommitSucceedInFallbackModeWhenTheStripeIsUnchanged() {
        assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "needs 2 CPUs");
        EventCount events = EventCount.create(Mode.FALLBACK);
        PerCpuLongArray target = PerCpuLongArray.create(1, Mode.FALLBACK);
        assertTrue(RseqCalls.pinCurrentThread(0));
        long ticket = events.begin();
        assertTrue(RseqCalls.pinCurrentThread(1));
        assertEquals(PerCpuResult.OK, events.commit(ticket, target, 0, 5), "fallback checks the stripe's counter only");
        assertEquals(5, target.get(0, 0), "stored into the ticket's row");
    }

    @Test
    void shouldRejectSomethingThatIsNotATicket() {
        EventCount events = EventCount.create(Mode.AUTO);
        PerCpuLongArray target = PerCpuLongArray.create(1);
        assertThrows(IllegalArgumentException.class, () -> events.commit(-3, target, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> events.commit(4096L << 48, target, 0, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> events.commit(events.begin(), target, 1, 1));
    }

    /**
     * 4 x nproc threads increment per-CPU values with begin / read / compute /
     * commit. Every successful commit adds exactly one: the values must sum to
     * the number of successful commits.
     */
    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldConserveUpdatesUnderStress(Mode mode) throws InterruptedException {
        if (mode == Mode.RSEQ) {
            RseqAvailability.requireRseq();
        }
        EventCount events = EventCount.create(mode);
        PerCpuLongArray values = PerCpuLongArray.create(1, mode);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong commits = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < 4 * Runtime.getRuntime().availableProcessors(); t++) {
            long seed = t;
            workers.add(new Thread(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                long ok = 0;
                long failed = 0;
                while (!stop.get()) {
                    long ticket = events.begin();
                    if (ticket < 0) {
                        failed++;
                        continue;
                    }
                    long next = values.get(EventCount.cpuOf(ticket), 0) + 1;
                    spin(random.nextInt(2000));
                    if (events.commit(ticket, values, 0, next) == PerCpuResult.OK) {
                        ok++;
                    } else {
                        failed++;
                    }
                }
                commits.addAndGet(ok);
                failures.addAndGet(failed);
            }));
        }
        workers.forEach(Thread::start);
        Thread.sleep(1000);
        stop.set(true);
        for (Thread w : workers) {
            w.join();
        }
        assertTrue(commits.get() > 0);
        assertEquals(commits.get(), values.sum(0),
            "values sum to the successful commits (" + failures.get() + " commits failed and wrote nothing)");
    }
}
