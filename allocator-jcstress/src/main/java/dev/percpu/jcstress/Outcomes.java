package dev.percpu.jcstress;

import java.util.function.LongSupplier;

/**
 * The result codes the close races record for a call that raced with {@code close()}: what it did,
 * as one int a jcstress outcome names.
 */
final class Outcomes {
    /** The call completed as on an open pool. */
    static final int COMPLETED = 1;
    /** The call threw {@link IllegalStateException} saying the pool is closed. */
    static final int REFUSED_CLOSED = 2;
    /** Anything else: another exception, or an {@link IllegalStateException} about something else. */
    static final int OTHER = 3;

    private Outcomes() {
    }

    /** Runs {@code allocate} and names its outcome; an allocation that returns 0 is {@link #OTHER}. */
    static int allocated(LongSupplier allocate) {
        return of(() -> {
            if (allocate.getAsLong() == 0) {
                throw new IllegalArgumentException("nothing allocated");
            }
        });
    }

    /** Runs {@code call} and names its outcome. */
    static int of(Runnable call) {
        try {
            call.run();
            return COMPLETED;
        } catch (IllegalStateException e) {
            return String.valueOf(e.getMessage()).endsWith("is closed") ? REFUSED_CLOSED : OTHER;
        } catch (RuntimeException e) {
            return OTHER;
        }
    }
}
