package dev.percpu.engine;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * {@link SlowPathLock} under racing callers of both kinds. This class lives in the engine's package
 * (on the class path, as jcstress runs it) to reach the package-private lock.
 */
public final class SlowPathLockStress {
    private SlowPathLockStress() {
    }

    /** A lock and the plain fields it guards; each method takes the lock as one kind of caller. */
    static final class Guarded {
        private final SlowPathLock lock = new SlowPathLock();
        private int first;
        private int second;

        private void lock(boolean maintenance) {
            if (maintenance) {
                lock.lockForMaintenance();
            } else {
                lock.lockForSlowPath();
            }
        }

        /** Adds one to {@code first} under the lock. */
        void increment(boolean maintenance) {
            lock(maintenance);
            try {
                first++;
            } finally {
                lock.unlock();
            }
        }

        /** Writes 1 to both fields under the lock. */
        void writeBoth(boolean maintenance) {
            lock(maintenance);
            try {
                first = 1;
                second = 1;
            } finally {
                lock.unlock();
            }
        }

        /** Reads both fields, in the other order, under the lock. */
        void readBoth(boolean maintenance, II_Result r) {
            lock(maintenance);
            try {
                r.r1 = second;
                r.r2 = first;
            } finally {
                lock.unlock();
            }
        }
    }

    /** A slow path and a maintainer each add one to a plain field under the lock. */
    @JCStressTest
    @Description("Mutual exclusion between a slow path and maintenance, and the waiting count back at zero")
    @Outcome(id = "2, 0", expect = ACCEPTABLE, desc = "both increments kept; no maintainer left counted as waiting")
    @Outcome(expect = FORBIDDEN, desc = "an increment lost (two holders at once) or the waiting count unbalanced")
    @State
    public static class SlowPathAndMaintenance {
        private final Guarded guarded = new Guarded();

        /** A slow path. */
        @Actor
        public void slowPath() {
            guarded.increment(false);
        }

        /** Maintenance. */
        @Actor
        public void maintenance() {
            guarded.increment(true);
        }

        /** The count and the maintainers still counted as waiting, once both are done. */
        @Arbiter
        public void arbiter(II_Result r) {
            r.r1 = guarded.first;
            r.r2 = guarded.lock.maintainersWaiting();
        }
    }

    /** Two slow paths each add one to a plain field under the lock. */
    @JCStressTest
    @Description("Mutual exclusion between two slow paths (each only ever tries the lock)")
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "both increments kept")
    @Outcome(expect = FORBIDDEN, desc = "an increment lost: two holders at once")
    @State
    public static class TwoSlowPaths {
        private final Guarded guarded = new Guarded();

        /** A slow path. */
        @Actor
        public void slowPath1() {
            guarded.increment(false);
        }

        /** Another slow path. */
        @Actor
        public void slowPath2() {
            guarded.increment(false);
        }

        /** The count once both are done. */
        @Arbiter
        public void arbiter(I_Result r) {
            r.r1 = guarded.first;
        }
    }

    /** What a slow path writes under the lock, a maintainer that takes it next sees whole. */
    @JCStressTest
    @Description("Plain writes under lockForSlowPath are visible to the next lockForMaintenance holder")
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "maintenance held the lock first")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "maintenance held the lock after the slow path")
    @Outcome(expect = FORBIDDEN, desc = "half of the slow path's writes seen: no happens-before through the lock")
    @State
    public static class SlowPathPublishes {
        private final Guarded guarded = new Guarded();

        /** A slow path writing two plain fields. */
        @Actor
        public void slowPath() {
            guarded.writeBoth(false);
        }

        /** Maintenance reading them in the other order. */
        @Actor
        public void maintenance(II_Result r) {
            guarded.readBoth(true, r);
        }
    }

    /** What maintenance writes under the lock, a slow path that takes it next sees whole. */
    @JCStressTest
    @Description("Plain writes under lockForMaintenance are visible to the next lockForSlowPath holder")
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the slow path held the lock first")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the slow path held the lock after maintenance")
    @Outcome(expect = FORBIDDEN, desc = "half of maintenance's writes seen: no happens-before through the lock")
    @State
    public static class MaintenancePublishes {
        private final Guarded guarded = new Guarded();

        /** Maintenance writing two plain fields. */
        @Actor
        public void maintenance() {
            guarded.writeBoth(true);
        }

        /** A slow path reading them in the other order. */
        @Actor
        public void slowPath(II_Result r) {
            guarded.readBoth(false, r);
        }
    }
}
