package dev.percpu.netty;

import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;

/**
 * A test channel that takes every byte it is given, always open: subclasses say what one
 * {@link #write(ByteBuffer)} does with them; the gathering writes call it once per buffer.
 */
abstract class SingleBufferChannel implements GatheringByteChannel {
    @Override
    public abstract int write(ByteBuffer src);

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) {
        long n = 0;
        for (int i = offset; i < offset + length; i++) {
            n += write(srcs[i]);
        }
        return n;
    }

    @Override
    public long write(ByteBuffer[] srcs) {
        return write(srcs, 0, srcs.length);
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() {
    }
}
