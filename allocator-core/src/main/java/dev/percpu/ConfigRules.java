package dev.percpu;

/**
 * The validation rules and defaults of the sizes every pool builder shares
 * ({@link SlabConfig}, {@link SizeClassConfig}, {@link ObjectPool.Builder}),
 * written once: per-CPU capacity, batch size, slot sizes, pool sizes, the
 * page size. Each rule throws {@link IllegalArgumentException} naming the
 * setting and its limits. The settings that are not sizes (mode, debug mode,
 * debug stack traces, leak handler) are {@link PoolOptions}'.
 *
 * <p>An unset batch size is {@code null}, never a sentinel number, so that
 * no value a user can pass silently means "unset". (The rebalancer's
 * documented values, 0 for a default capacity range and -1 for no trimming,
 * are API, not sentinels.)
 */
final class ConfigRules {
    /** Page size of the regions' mappings (x86-64 base pages); size classes from here on are whole pages. */
    static final int PAGE_SIZE = 4096;

    private ConfigRules() {
    }

    /** Checks a per-CPU capacity: 1 to {@value SlabConfig#MAX_PER_CPU_CAPACITY}. */
    static int perCpuCapacity(String setting, int count) {
        if (count < 1 || count > SlabConfig.MAX_PER_CPU_CAPACITY) {
            throw new IllegalArgumentException(setting + " " + count + " must be in [1, "
                + SlabConfig.MAX_PER_CPU_CAPACITY + "]");
        }
        return count;
    }

    /** The batch size: the requested one checked against {@code [1, perCpuCapacity]}, or the default. */
    static int batchSize(Integer requested, int perCpuCapacity) {
        if (requested == null) {
            return Math.min(SlabConfig.DEFAULT_BATCH_SIZE, perCpuCapacity);
        }
        if (requested < 1 || requested > perCpuCapacity) {
            throw new IllegalArgumentException("batchSize " + requested + " must be in [1, perCpuCapacity = "
                + perCpuCapacity + "]");
        }
        return requested;
    }

    /** Checks a slot size: a multiple of {@value SlabConfig#SLOT_ALIGNMENT} in {@code [MIN_SLOT_SIZE, max]}. */
    static int slotSize(String setting, long size, int max) {
        if (size < SlabConfig.MIN_SLOT_SIZE || size > max || size % SlabConfig.SLOT_ALIGNMENT != 0) {
            throw new IllegalArgumentException(setting + " " + size + " must be a multiple of "
                + SlabConfig.SLOT_ALIGNMENT + " in [" + SlabConfig.MIN_SLOT_SIZE + ", " + max + "]");
        }
        return (int) size;
    }

    /** Checks a number of slots or objects: 1 to {@value SlabConfig#MAX_SLOTS}. */
    static long slots(String setting, long count, String hint) {
        if (count < 1 || count > SlabConfig.MAX_SLOTS) {
            throw new IllegalArgumentException(setting + " " + count + " must be in [1, " + SlabConfig.MAX_SLOTS + "]"
                + hint);
        }
        return count;
    }
}
