package dev.percpu.bridge;

/**
 * Java mirror of the off-heap layout of a block of per-CPU index stacks,
 * drawn once in {@code allocator-native/src/main/include/percpu_layout.h}.
 * StackLayoutTest checks every constant here against the C compiler's
 * {@code offsetof}/{@code sizeof}.
 *
 * <pre>
 *   0        128      256              128*(ncpu+1)
 *   +--------+--------+-----+----------+---------------+---------------------
 *   | block  | cpu 0  | ... | cpu n-1  | (pad to 128)  | cpu 0 slot array | ...
 *   | header | header |     | header   |               | u32[stride]      |
 *   +--------+--------+-----+----------+---------------+---------------------
 *
 *   Per-CPU header, one 128-byte line:
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +---------------------------------------------------------------+
 *   |                     top (committing store)                    |  0
 *   |                     capacity                                  |  4
 *   |                     stopped                                   |  8
 *   |                     lock (fallback mode)                      | 12
 *   |                     slots (address of the u32 array, 8 bytes) | 16
 *   |                     pops (8 bytes, approximate)               | 24
 *   |                     pushes (8 bytes, approximate)             | 32
 *   |                     aborts (8 bytes, approximate)             | 40
 *   |                     padding to 128                            | 48
 *   +---------------------------------------------------------------+
 * </pre>
 */
public final class StackLayout {
    /** Distance between data of different CPUs, and the size of every header. */
    public static final int LINE = 128;

    /** Block header: magic number {@code "PCPU"}. */
    public static final int BLOCK_MAGIC_OFFSET = 0;
    /** Block header: number of per-CPU stacks. */
    public static final int BLOCK_NCPU_OFFSET = BLOCK_MAGIC_OFFSET + 4;
    /** Block header: entries per slot array. */
    public static final int BLOCK_STRIDE_OFFSET = BLOCK_NCPU_OFFSET + 4;
    /** Block header: size of the whole mapping (8 bytes, after 4 reserved). */
    public static final int BLOCK_MAPPING_SIZE_OFFSET = BLOCK_STRIDE_OFFSET + 8;

    /** Per-CPU header: number of entries on the stack. */
    public static final int TOP_OFFSET = 0;
    /** Per-CPU header: how many entries this CPU may hold. */
    public static final int CAPACITY_OFFSET = TOP_OFFSET + 4;
    /** Per-CPU header: nonzero while a remote thread owns the stack. */
    public static final int STOPPED_OFFSET = CAPACITY_OFFSET + 4;
    /** Per-CPU header: fallback-mode try-lock. */
    public static final int LOCK_OFFSET = STOPPED_OFFSET + 4;
    /** Per-CPU header: address of this CPU's slot array. */
    public static final int SLOTS_OFFSET = LOCK_OFFSET + 4;
    /** Per-CPU header: indices popped (approximate). */
    public static final int POPS_OFFSET = SLOTS_OFFSET + 8;
    /** Per-CPU header: indices pushed (approximate). */
    public static final int PUSHES_OFFSET = POPS_OFFSET + 8;
    /** Per-CPU header: aborts counted on this CPU (approximate). */
    public static final int ABORTS_OFFSET = PUSHES_OFFSET + 8;

    /** Field ids understood by {@link BlockCalls#layoutOffset(int)} ({@code enum percpu_layout_field}). */
    public static final int FIELD_LINE = 0;
    public static final int FIELD_BLOCK_MAGIC = 1;
    public static final int FIELD_BLOCK_NCPU = 2;
    public static final int FIELD_BLOCK_STRIDE = 3;
    public static final int FIELD_BLOCK_MAPPING_SIZE = 4;
    public static final int FIELD_CPU_TOP = 5;
    public static final int FIELD_CPU_CAPACITY = 6;
    public static final int FIELD_CPU_STOPPED = 7;
    public static final int FIELD_CPU_LOCK = 8;
    public static final int FIELD_CPU_SLOTS = 9;
    public static final int FIELD_CPU_POPS = 10;
    public static final int FIELD_CPU_PUSHES = 11;
    public static final int FIELD_CPU_ABORTS = 12;
    public static final int FIELD_CPU_HEADER_SIZE = 13;
    public static final int FIELD_BLOCK_HEADER_SIZE = 14;

    /**
     * Ids of the C codes (allocator-native/src/main/include/percpu_codes.h) that
     * {@link BlockCalls#layoutOffset(int)} also serves ({@code PERCPU_CONSTANT_*}):
     * StackLayoutTest compares {@link NativeCodes}' result codes, registration
     * status and fence kinds with them.
     */
    public static final int CONSTANT_EMPTY = 15;
    public static final int CONSTANT_FULL = 16;
    public static final int CONSTANT_NO_RSEQ = 17;
    public static final int CONSTANT_RESTART_LIMIT = 18;
    public static final int CONSTANT_STOPPED = 19;
    public static final int CONSTANT_BUSY = 20;
    public static final int CONSTANT_BAD_CPU = 21;
    public static final int CONSTANT_BAD_ADDRESS = 22;
    public static final int CONSTANT_RSEQ_UNAVAILABLE = 23;
    public static final int CONSTANT_RSEQ_GLIBC = 24;
    public static final int CONSTANT_RSEQ_OWN = 25;
    public static final int CONSTANT_FENCE_MEMBARRIER = 26;
    public static final int CONSTANT_FENCE_AFFINITY = 27;

    /** What {@link BlockCalls#layoutOffset(int)} returns for an id the C side does not know. */
    public static final long UNKNOWN_ID = Long.MIN_VALUE;

    private StackLayout() {
    }

    /** Offset of CPU {@code cpu}'s header from the start of the block. */
    public static long cpuHeaderOffset(int cpu) {
        return (long) LINE * (1 + cpu);
    }
}
