package dev.percpu.netty;

import io.netty.buffer.ByteBufAllocator;

/**
 * The allocator for an application that must also start where percpu cannot
 * run (macOS, Windows, another architecture, a C library percpu's native
 * library does not load on): {@link PercpuByteBufAllocator#DEFAULT} where it
 * can serve, Netty's {@link ByteBufAllocator#DEFAULT} elsewhere. One line:
 * <pre>
 *   bootstrap.childOption(ChannelOption.ALLOCATOR, PercpuOrNettyDefault.allocator());
 * </pre>
 * The first call decides and logs the choice once to the {@link System.Logger}
 * {@value #LOGGER}: at INFO with the reason when it falls back to Netty's
 * allocator, at DEBUG when it takes percpu's.
 */
public final class PercpuOrNettyDefault {
    /** Name of the {@link System.Logger} the choice is logged to. */
    public static final String LOGGER = "dev.percpu.netty";

    private PercpuOrNettyDefault() {
    }

    /** {@link PercpuByteBufAllocator#DEFAULT} where it can serve, else {@link ByteBufAllocator#DEFAULT}; never throws. */
    public static ByteBufAllocator allocator() {
        return Choice.ALLOCATOR;
    }

    /** Whether {@link #allocator()} is percpu's. */
    public static boolean isPercpu() {
        return Choice.ALLOCATOR == PercpuByteBufAllocator.DEFAULT;
    }

    /** Why {@link #allocator()} is Netty's default allocator, or null when it is percpu's. */
    public static Throwable fallbackCause() {
        return PercpuByteBufAllocator.DEFAULT.unavailable;
    }

    /** The choice, made and logged once, when first asked for. */
    private static final class Choice {
        static final ByteBufAllocator ALLOCATOR = choose();

        private static ByteBufAllocator choose() {
            System.Logger log = System.getLogger(LOGGER);
            Throwable cause = PercpuByteBufAllocator.DEFAULT.unavailable;
            if (cause == null) {
                log.log(System.Logger.Level.DEBUG, "Netty allocator: percpu, " + PercpuByteBufAllocator.DEFAULT);
                return PercpuByteBufAllocator.DEFAULT;
            }
            log.log(System.Logger.Level.INFO, "percpu is not available in this JVM, so Netty's default allocator "
                + "serves: " + cause);
            return ByteBufAllocator.DEFAULT;
        }
    }
}
