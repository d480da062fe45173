package dev.percpu.netty;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The heap arrays {@link PercpuByteBuf} copies through when it reads into an
 * {@code OutputStream} or fills from an {@code InputStream} (streams take
 * only {@code byte[]}), reused so those calls allocate nothing once warm.
 *
 * <p>Protocol: {@link #take()} lends an array to one caller, who gives it
 * back with {@link #give(byte[])} when the stream call returns (normally or
 * not); no other caller sees it in between, so a stream call may block
 * while holding it. Arrays come from one process-wide set of
 * {@link #SLOTS} arrays of {@link #SHARED_BYTES} bytes, lent with an atomic
 * swap from a slot chosen by the calling thread's identity (no thread-local
 * state: virtual threads hold nothing once their call returns). The set is
 * filled lazily, one array per first concurrent use. Only a caller that
 * finds all of them lent (more stream calls at once than {@link #SLOTS})
 * falls back to an array of {@link #OWN_BYTES} bytes kept by its thread
 * (taken out of the thread-local while lent, so a nested stream call on the
 * same thread gets a fresh array rather than the one in use). Memory: at
 * most {@code SLOTS x SHARED_BYTES} plus {@code OWN_BYTES} per thread that
 * ever overflowed.
 *
 * <p>As with any reused array (Netty's own stream paths reuse thread-local
 * ones), a stream is handed the whole array, which may still hold bytes an
 * earlier call copied, and must not keep it after its call returns, as the
 * {@code OutputStream}/{@code InputStream} contracts already expect.
 */
final class StreamScratch {
    /** Bytes of a shared array: the chunk a stream call copies at once. */
    static final int SHARED_BYTES = 8192;
    /** Bytes of a thread's own overflow array; a length different from {@link #SHARED_BYTES} marks it. */
    static final int OWN_BYTES = 4096;
    /** Shared arrays: twice the CPUs, a power of two, 8 to 64. */
    static final int SLOTS = Math.min(64, Math.max(8,
        Integer.highestOneBit(Runtime.getRuntime().availableProcessors() * 2 - 1) << 1));

    private static final AtomicReferenceArray<byte[]> FREE = new AtomicReferenceArray<>(SLOTS);
    /** Shared arrays made so far (lent or free); never above {@link #SLOTS}, so a give always finds an empty slot. */
    private static final AtomicInteger MADE = new AtomicInteger();
    /** A thread's overflow array while not lent; null before its first overflow and while lent. */
    private static final ThreadLocal<byte[]> OWN = new ThreadLocal<>();

    private StreamScratch() {
    }

    /** An array lent to the caller until {@link #give(byte[])}: a shared one if one is free or can be made, else the thread's own. */
    static byte[] take() {
        int start = System.identityHashCode(Thread.currentThread());
        for (int i = 0; i < SLOTS; i++) {
            byte[] array = FREE.getAndSet((start + i) & (SLOTS - 1), null);
            if (array != null) {
                return array;
            }
        }
        for (int made = MADE.get(); made < SLOTS; made = MADE.get()) {
            if (MADE.compareAndSet(made, made + 1)) {
                return new byte[SHARED_BYTES];
            }
        }
        byte[] own = OWN.get();
        if (own == null) {
            return new byte[OWN_BYTES];
        }
        OWN.set(null);
        return own;
    }

    /** Ends the loan of {@code array} (from {@link #take()}): a shared array goes back to an empty slot, an own one to its thread. */
    static void give(byte[] array) {
        if (array.length != SHARED_BYTES) {
            OWN.set(array);
            return;
        }
        int start = System.identityHashCode(Thread.currentThread());
        for (int i = 0; ; i++) {
            if (FREE.compareAndSet((start + i) & (SLOTS - 1), null, array)) {
                return;
            }
        }
    }
}
