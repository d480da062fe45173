package dev.percpu;

/**
 * The slots of a debug-mode {@link SlabAllocator} that were allocated and
 * not freed, with where each was allocated when that was recorded
 * ({@link PoolOptions.Builder#debugStackTraces(int)}). Made by
 * {@link SlabAllocator#leaks()} and handed to the configured
 * {@link PoolOptions#leakHandler() leak handler} by {@code close()}.
 *
 * <p>Immutable; safe to read from any thread.
 */
public final class LeakReport {
    /** Slots listed one by one in {@link #toString()}; the rest are counted. */
    private static final int LISTED = 64;

    private final String pool;
    private final long[] addresses;
    private final Throwable[] sites;

    LeakReport(String pool, long[] addresses, Throwable[] sites) {
        this.pool = pool;
        this.addresses = addresses;
        this.sites = sites;
    }

    /** The allocator the report is about (its configuration). */
    public String pool() {
        return pool;
    }

    /** Number of slots outstanding. */
    public int count() {
        return addresses.length;
    }

    /** Address of the i-th outstanding slot, in address order. */
    public long address(int i) {
        return addresses[i];
    }

    /** Where the i-th outstanding slot was allocated, or {@code null} when that allocation was not sampled. */
    public Throwable allocationSite(int i) {
        return sites[i];
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(count()).append(count() == 1 ? " slot" : " slots").append(" still allocated in ").append(pool);
        for (int i = 0; i < Math.min(count(), LISTED); i++) {
            sb.append("\n  0x").append(Long.toHexString(addresses[i]));
            if (sites[i] == null) {
                sb.append(" (allocation site not recorded)");
            } else {
                sb.append(" allocated at:");
                for (StackTraceElement frame : sites[i].getStackTrace()) {
                    sb.append("\n      at ").append(frame);
                }
            }
        }
        if (count() > LISTED) {
            sb.append("\n  ... and ").append(count() - LISTED).append(" more");
        }
        return sb.toString();
    }
}
