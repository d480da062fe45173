package dev.percpu.examples.pipeline;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded single-producer single-consumer ring of references, allocation
 * free. Protocol: the producer stores the element in its slot, then
 * release-stores {@code tail} ({@code lazySet}); the consumer reads
 * {@code tail} (volatile), reads and clears the slot, then release-stores
 * {@code head}, which frees the slot for the producer. Each side keeps a
 * plain copy of the other side's counter and rereads it only when the ring
 * looks full (producer) or empty (consumer). {@code head} and {@code tail}
 * are separate objects, so they do not share a cache line with the array.
 *
 * @param <E> the element type
 */
final class MessageRing<E> {
    private final Object[] slots;
    private final int mask;
    private final AtomicLong head = new AtomicLong();
    private final AtomicLong tail = new AtomicLong();
    private long producerTail;
    private long producerHeadCache;
    private long consumerHead;
    private long consumerTailCache;

    /** A ring of {@code capacity} slots, a power of two. */
    MessageRing(int capacity) {
        if (capacity < 2 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two >= 2: " + capacity);
        }
        slots = new Object[capacity];
        mask = capacity - 1;
    }

    /** Producer only: adds {@code element}, or returns false when the ring is full. */
    boolean offer(E element) {
        if (producerTail - producerHeadCache == slots.length) {
            producerHeadCache = head.get();
            if (producerTail - producerHeadCache == slots.length) {
                return false;
            }
        }
        slots[(int) producerTail & mask] = element;
        tail.lazySet(++producerTail);
        return true;
    }

    /** Consumer only: removes the oldest element, or returns null when the ring is empty. */
    @SuppressWarnings("unchecked")
    E poll() {
        if (consumerHead == consumerTailCache) {
            consumerTailCache = tail.get();
            if (consumerHead == consumerTailCache) {
                return null;
            }
        }
        int index = (int) consumerHead & mask;
        E element = (E) slots[index];
        slots[index] = null;
        head.lazySet(++consumerHead);
        return element;
    }
}
