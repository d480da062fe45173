package dev.percpu.bridge;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs a check that needs its thread pinned to one CPU. A set-up with a
 * migration storm overrides a thread's own pin at any moment (docs/build.md,
 * "Set-ups"), so a failed check counts only when the pin held throughout:
 * the thread still runs on the CPU and, where the kernel counts migrations
 * ({@code se.nr_migrations} in {@code /proc/thread-self/sched}), never left
 * it. A check that failed while the pin was overridden runs again, on fresh
 * state it makes itself; if the pin never held, the check is skipped
 * (conservation checks never use this).
 */
public final class PinnedRun {
    private static final int ATTEMPTS = 200;

    /** A check run pinned to {@code cpu}; it builds its own state, since it may run more than once. */
    public interface Check {
        void run(int cpu) throws Exception;
    }

    private PinnedRun() {
    }

    /** Runs the check pinned to the CPU the thread is on at each attempt, then unpins. */
    public static void onCurrentCpu(Check check) throws Exception {
        run(-1, check);
    }

    /** Runs the check pinned to {@code cpu}, then unpins. */
    public static void onCpu(int cpu, Check check) throws Exception {
        run(cpu, check);
    }

    private static void run(int wanted, Check check) throws Exception {
        try {
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                int cpu = wanted >= 0 ? wanted : RseqCalls.currentCpu();
                assertTrue(RseqCalls.pinCurrentThread(cpu), "pin to CPU " + cpu);
                long migrations = migrations();
                try {
                    check.run(cpu);
                    return;
                } catch (Exception | AssertionError e) {
                    if (held(cpu, migrations)) {
                        throw e;
                    }
                }
            }
        } finally {
            RseqCalls.pinCurrentThread(-1);
        }
        Assumptions.abort("the set-up overrode every one of " + ATTEMPTS + " pins: check skipped");
    }

    /**
     * Whether a pin of the calling thread to {@code cpu} held since {@code migrationsBefore} was read
     * ({@link #migrations()} right after pinning): it runs there and, where the kernel tells, never migrated.
     */
    public static boolean held(int cpu, long migrationsBefore) {
        return RseqCalls.currentCpu() == cpu && (migrationsBefore < 0 || migrations() == migrationsBefore);
    }

    /**
     * Skips the calling test when a pin did not hold ({@link #held}): for checks
     * that cannot simply run again. Call it after the pinned calls, before asserting on their results.
     */
    public static void assumeHeld(boolean held) {
        Assumptions.assumeTrue(held, "the set-up moved a pinned thread (a migration storm): check skipped");
    }

    /** How often the calling thread migrated so far, or -1 where the kernel does not tell. */
    public static long migrations() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/thread-self/sched"))) {
                if (line.startsWith("se.nr_migrations")) {
                    return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
