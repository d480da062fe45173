package dev.percpu.netty;

import dev.percpu.events.SlowPathEvents;

/**
 * The Netty adapter's flight recorder events ({@code dev.percpu.NettyLarge},
 * {@code dev.percpu.NettyFallback}): each call forwards to the event class
 * only while {@link SlowPathEvents#recording()} says {@code jdk.jfr} is
 * there and a recording runs, so without {@code jdk.jfr} no event class is
 * loaded.
 */
final class NettyEvents {
    private NettyEvents() {
    }

    /** A large buffer of {@code blockBytes} was made for a request of {@code requestedBytes}. */
    static void large(int requestedBytes, long blockBytes, long largeBytesHeld) {
        if (SlowPathEvents.recording()) {
            NettyLargeEvent.emit(requestedBytes, blockBytes, largeBytesHeld);
        }
    }

    /** A request's class was exhausted; {@code servedClassBytes} is the class used, 0 for the large path. */
    static void fallback(int requestedBytes, int exhaustedClassBytes, int servedClassBytes) {
        if (SlowPathEvents.recording()) {
            NettyFallbackEvent.emit(requestedBytes, exhaustedClassBytes, servedClassBytes);
        }
    }
}
