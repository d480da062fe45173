package dev.percpu.netty;

import io.netty.buffer.AbstractReferenceCountedByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;

/**
 * A direct {@link ByteBuf} over one block of a {@link PercpuByteBufAllocator}:
 * a size-class block (pooled) or a large block (whole pages, above the largest class).
 *
 * <p>Memory access goes through a direct {@link ByteBuffer} view of the block
 * (big-endian; the little-endian accessors swap bytes), absolute get/put only,
 * so no JDK prints an {@code Unsafe} warning and no JVM flag is needed.
 * {@link #memoryAddress()} is the block's address.
 *
 * <p>Wrapper pooling: there is one buffer object per pooled block, kept in
 * the allocator's per-class table with the block's view, and handed out
 * again with the block. The objects are made ahead, for the blocks a class
 * has used and a margin past them (see {@code BufferTable}), so allocate +
 * release allocates nothing once as many buffers have been alive at once as
 * will ever be. When a buffer moves to another block
 * ({@link #capacity(int)}), it takes over the new block's view and the idle
 * object that sat there takes the old block: the objects are swapped
 * between the blocks, the caller keeps its reference. As with Netty's pooled
 * buffers, a reference kept after the last release may later see the
 * buffer live again for its next owner: drop references at release. The
 * same holds for {@link #nioBuffer(int, int)} views, which the reference
 * count cannot guard: after the release they show another buffer's block,
 * or unmapped memory (a large block at once, a pooled one once the closed
 * allocator has unmapped its classes), and touching unmapped memory crashes
 * the JVM.
 *
 * <p>Reference counting is Netty's ({@link AbstractReferenceCountedByteBuf}):
 * the last {@link #release()} returns the block from whatever thread calls it.
 *
 * <p>Threads: as Netty's own buffers, not thread-safe, with one exception
 * Netty's contract makes: absolute reads ({@code getBytes} of every overload,
 * {@link #nioBuffer(int, int)}, {@link #copy(int, int)}, and a {@code setBytes}
 * that takes this buffer as its source) may run at the same time from
 * several threads, each through the buffer or its own slice or duplicate,
 * while no thread writes the bytes read. They use only absolute operations
 * on the block's view, or a fresh view of the range (the channel
 * overloads), never the shared position and limit of
 * {@link #internalNioBuffer(int, int)}'s buffer. That one is shared, as in
 * Netty: this buffer's relative channel reads
 * ({@link #readBytes(GatheringByteChannel, int)},
 * {@link #readBytes(FileChannel, long, int)}) and its channel
 * {@code setBytes} use it, as does {@link #internalNioBuffer(int, int)}'s
 * caller. The stream overloads copy through a reused scratch array
 * ({@code StreamScratch}), so they allocate nothing once warm.
 */
public final class PercpuByteBuf extends AbstractReferenceCountedByteBuf {
    private final PercpuByteBufAllocator alloc;
    /** Size class of the block, or {@link #LARGE}. */
    private int sizeClass;
    /** Index of the block in its class (unused for a large block). */
    private int block;
    private long address;
    /** Bytes of the block: its class size, or the large block's size. */
    private int blockBytes;
    /** The view of the whole block, big-endian; moves with the block. */
    private ByteBuffer view;
    /** A duplicate of {@link #view} for {@link #internalNioBuffer(int, int)}, made on first use; moves with the block. */
    private ByteBuffer internal;
    private int capacity;
    /**
     * The front cache of the thread that allocated this buffer (null off event loops): its release on
     * that same thread goes there without looking the cache up again.
     */
    private EventLoopCache cacheToReleaseTo;

    /** {@link #sizeClass()} of a large block. */
    static final int LARGE = -1;

    /**
     * The buffer object of one block: block {@code block} of class {@code sizeClass}, or a large block
     * ({@code sizeClass} {@link #LARGE}); {@code view} covers the block's {@code blockBytes}.
     */
    PercpuByteBuf(PercpuByteBufAllocator alloc, int sizeClass, int block, long address, int blockBytes,
                  ByteBuffer view) {
        super(0);
        this.alloc = alloc;
        this.sizeClass = sizeClass;
        this.block = block;
        this.address = address;
        this.blockBytes = blockBytes;
        this.view = view;
    }

    /** Size class of the block, or {@link #LARGE}. */
    int sizeClass() {
        return sizeClass;
    }

    /** Index of the block in its class. */
    int block() {
        return block;
    }

    /** The block's address. */
    long address() {
        return address;
    }

    /**
     * Records the allocating thread's front cache (or null); see {@link #cacheToReleaseTo()}. Stores
     * only a change: a buffer object mostly cycles on one thread and already holds its cache, and a
     * reference store into an object the collector has promoted costs a G1 write barrier that
     * dirties the object's card (see docs/design.md, "Reference stores on the hot path").
     */
    void releaseTo(EventLoopCache cache) {
        if (cacheToReleaseTo != cache) {
            cacheToReleaseTo = cache;
        }
    }

    /** The front cache of the thread that allocated this buffer, or null; valid only on that cache's owner thread. */
    EventLoopCache cacheToReleaseTo() {
        return cacheToReleaseTo;
    }

    /** Copies the first {@code bytes} bytes of {@code source}'s block to the start of this one's. */
    void copyFrom(PercpuByteBuf source, int bytes) {
        view.put(0, source.view, 0, bytes);
    }

    /** Makes this object a fresh buffer (reference count 1, indices and marks 0) over the block it holds now. */
    void init(int initialCapacity, int maxCapacity) {
        resetRefCnt();
        maxCapacity(maxCapacity);
        capacity = initialCapacity;
        clear();
        markReaderIndex();
        markWriterIndex();
    }

    /** Takes over {@code other}'s block, view and place; {@code other} gets this buffer's block state. */
    void swapBlock(PercpuByteBuf other) {
        int c = sizeClass;
        int b = block;
        long a = address;
        int bytes = blockBytes;
        ByteBuffer v = view;
        ByteBuffer i = internal;
        sizeClass = other.sizeClass;
        block = other.block;
        address = other.address;
        blockBytes = other.blockBytes;
        view = other.view;
        internal = other.internal;
        other.sizeClass = c;
        other.block = b;
        other.address = a;
        other.blockBytes = bytes;
        other.view = v;
        other.internal = i;
    }

    /** Bytes of the block under this buffer: what it can grow to without moving. */
    public int blockBytes() {
        return blockBytes;
    }

    /** Whether the block is a large block (above the largest size class) rather than a pooled one. */
    public boolean isLarge() {
        return sizeClass == LARGE;
    }

    @Override
    protected void deallocate() {
        alloc.release(this);
    }

    @Override
    public int capacity() {
        return capacity;
    }

    /**
     * Sets the capacity. Within the block (and not shrinking to a smaller size class) only the
     * capacity changes; otherwise the contents move to a block of the right class (or the large
     * path) and the old block goes back. Shrinking trims the indices as Netty does.
     */
    @Override
    public ByteBuf capacity(int newCapacity) {
        checkNewCapacity(newCapacity);
        if (newCapacity != capacity && !alloc.fitsInPlace(this, newCapacity)) {
            alloc.move(this, newCapacity, Math.min(capacity, newCapacity));
        }
        if (newCapacity < capacity) {
            trimIndicesToCapacity(newCapacity);
        }
        capacity = newCapacity;
        return this;
    }

    @Override
    public int maxFastWritableBytes() {
        return Math.min(blockBytes, maxCapacity()) - writerIndex();
    }

    @Override
    public ByteBufAllocator alloc() {
        return alloc;
    }

    @Override
    public ByteOrder order() {
        return ByteOrder.BIG_ENDIAN;
    }

    @Override
    public ByteBuf unwrap() {
        return null;
    }

    @Override
    public boolean isDirect() {
        return true;
    }

    @Override
    public boolean isContiguous() {
        return true;
    }

    @Override
    public boolean hasArray() {
        return false;
    }

    @Override
    public byte[] array() {
        throw new UnsupportedOperationException("direct buffer");
    }

    @Override
    public int arrayOffset() {
        throw new UnsupportedOperationException("direct buffer");
    }

    @Override
    public boolean hasMemoryAddress() {
        return true;
    }

    @Override
    public long memoryAddress() {
        ensureAccessible();
        return address;
    }

    @Override
    protected byte _getByte(int index) {
        return view.get(index);
    }

    @Override
    protected short _getShort(int index) {
        return view.getShort(index);
    }

    @Override
    protected short _getShortLE(int index) {
        return Short.reverseBytes(view.getShort(index));
    }

    @Override
    protected int _getUnsignedMedium(int index) {
        return (view.get(index) & 0xff) << 16 | (view.get(index + 1) & 0xff) << 8 | view.get(index + 2) & 0xff;
    }

    @Override
    protected int _getUnsignedMediumLE(int index) {
        return view.get(index) & 0xff | (view.get(index + 1) & 0xff) << 8 | (view.get(index + 2) & 0xff) << 16;
    }

    @Override
    protected int _getInt(int index) {
        return view.getInt(index);
    }

    @Override
    protected int _getIntLE(int index) {
        return Integer.reverseBytes(view.getInt(index));
    }

    @Override
    protected long _getLong(int index) {
        return view.getLong(index);
    }

    @Override
    protected long _getLongLE(int index) {
        return Long.reverseBytes(view.getLong(index));
    }

    @Override
    protected void _setByte(int index, int value) {
        view.put(index, (byte) value);
    }

    @Override
    protected void _setShort(int index, int value) {
        view.putShort(index, (short) value);
    }

    @Override
    protected void _setShortLE(int index, int value) {
        view.putShort(index, Short.reverseBytes((short) value));
    }

    @Override
    protected void _setMedium(int index, int value) {
        view.put(index, (byte) (value >>> 16));
        view.put(index + 1, (byte) (value >>> 8));
        view.put(index + 2, (byte) value);
    }

    @Override
    protected void _setMediumLE(int index, int value) {
        view.put(index, (byte) value);
        view.put(index + 1, (byte) (value >>> 8));
        view.put(index + 2, (byte) (value >>> 16));
    }

    @Override
    protected void _setInt(int index, int value) {
        view.putInt(index, value);
    }

    @Override
    protected void _setIntLE(int index, int value) {
        view.putInt(index, Integer.reverseBytes(value));
    }

    @Override
    protected void _setLong(int index, long value) {
        view.putLong(index, value);
    }

    @Override
    protected void _setLongLE(int index, long value) {
        view.putLong(index, Long.reverseBytes(value));
    }

    @Override
    public ByteBuf getBytes(int index, ByteBuf dst, int dstIndex, int length) {
        checkDstIndex(index, length, dstIndex, dst.capacity());
        if (dst instanceof PercpuByteBuf) {
            PercpuByteBuf target = (PercpuByteBuf) dst;
            target.checkIndex(dstIndex, length);
            target.view.put(dstIndex, view, index, length);
        } else if (dst.hasArray()) {
            view.get(index, dst.array(), dst.arrayOffset() + dstIndex, length);
        } else if (dst.nioBufferCount() > 0) {
            int at = index;
            for (ByteBuffer part : dst.nioBuffers(dstIndex, length)) {
                int n = part.remaining();
                part.put(part.position(), view, at, n);
                at += n;
            }
        } else {
            dst.setBytes(dstIndex, this, index, length);
        }
        return this;
    }

    @Override
    public ByteBuf getBytes(int index, byte[] dst, int dstIndex, int length) {
        checkDstIndex(index, length, dstIndex, dst.length);
        view.get(index, dst, dstIndex, length);
        return this;
    }

    @Override
    public ByteBuf getBytes(int index, ByteBuffer dst) {
        int length = dst.remaining();
        checkIndex(index, length);
        dst.put(dst.position(), view, index, length);
        dst.position(dst.position() + length);
        return this;
    }

    /** Writes the range in chunks through a scratch array lent by {@link StreamScratch}; allocates nothing once warm. */
    @Override
    public ByteBuf getBytes(int index, OutputStream out, int length) throws IOException {
        checkIndex(index, length);
        if (length == 0) {
            return this;
        }
        byte[] chunk = StreamScratch.take();
        try {
            for (int done = 0; done < length; ) {
                int n = Math.min(chunk.length, length - done);
                view.get(index + done, chunk, 0, n);
                out.write(chunk, 0, n);
                done += n;
            }
        } finally {
            StreamScratch.give(chunk);
        }
        return this;
    }

    /** Writes from a fresh view of the range (one small object per call), so concurrent absolute reads are safe. */
    @Override
    public int getBytes(int index, GatheringByteChannel out, int length) throws IOException {
        checkIndex(index, length);
        return length == 0 ? 0 : out.write(view.slice(index, length));
    }

    /** Writes from a fresh view of the range (one small object per call), so concurrent absolute reads are safe. */
    @Override
    public int getBytes(int index, FileChannel out, long position, int length) throws IOException {
        checkIndex(index, length);
        return length == 0 ? 0 : out.write(view.slice(index, length), position);
    }

    /** A relative read, so not for concurrent use: writes from the shared internal NIO buffer, allocating nothing. */
    @Override
    public int readBytes(GatheringByteChannel out, int length) throws IOException {
        checkReadableBytes(length);
        int index = readerIndex();
        int written = length == 0 ? 0 : out.write(internalRange(index, length));
        readerIndex(index + written);
        return written;
    }

    /** A relative read, so not for concurrent use: writes from the shared internal NIO buffer, allocating nothing. */
    @Override
    public int readBytes(FileChannel out, long position, int length) throws IOException {
        checkReadableBytes(length);
        int index = readerIndex();
        int written = length == 0 ? 0 : out.write(internalRange(index, length), position);
        readerIndex(index + written);
        return written;
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuf src, int srcIndex, int length) {
        checkSrcIndex(index, length, srcIndex, src.capacity());
        if (src instanceof PercpuByteBuf) {
            PercpuByteBuf source = (PercpuByteBuf) src;
            source.checkIndex(srcIndex, length);
            view.put(index, source.view, srcIndex, length);
        } else if (src.hasArray()) {
            view.put(index, src.array(), src.arrayOffset() + srcIndex, length);
        } else if (src.nioBufferCount() > 0) {
            int at = index;
            for (ByteBuffer part : src.nioBuffers(srcIndex, length)) {
                int n = part.remaining();
                view.put(at, part, part.position(), n);
                at += n;
            }
        } else {
            src.getBytes(srcIndex, this, index, length);
        }
        return this;
    }

    @Override
    public ByteBuf setBytes(int index, byte[] src, int srcIndex, int length) {
        checkSrcIndex(index, length, srcIndex, src.length);
        view.put(index, src, srcIndex, length);
        return this;
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuffer src) {
        int length = src.remaining();
        checkIndex(index, length);
        view.put(index, src, src.position(), length);
        src.position(src.position() + length);
        return this;
    }

    /**
     * One {@code in.read} of at most {@code length} bytes (and at most one scratch array's worth,
     * {@code StreamScratch}), as {@link InputStream#read(byte[], int, int)} may return fewer;
     * allocates nothing once warm.
     *
     * @return the bytes read, or -1 at the end of the stream
     */
    @Override
    public int setBytes(int index, InputStream in, int length) throws IOException {
        checkIndex(index, length);
        byte[] chunk = StreamScratch.take();
        try {
            int n = in.read(chunk, 0, Math.min(length, chunk.length));
            if (n > 0) {
                view.put(index, chunk, 0, n);
            }
            return n;
        } finally {
            StreamScratch.give(chunk);
        }
    }

    @Override
    public int setBytes(int index, ScatteringByteChannel in, int length) throws IOException {
        checkIndex(index, length);
        try {
            return in.read(internalRange(index, length));
        } catch (ClosedChannelException e) {
            return -1;
        }
    }

    @Override
    public int setBytes(int index, FileChannel in, long position, int length) throws IOException {
        checkIndex(index, length);
        try {
            return in.read(internalRange(index, length), position);
        } catch (ClosedChannelException e) {
            return -1;
        }
    }

    @Override
    public ByteBuf copy(int index, int length) {
        checkIndex(index, length);
        ByteBuf copy = alloc.directBuffer(length, maxCapacity());
        copy.writeBytes(this, index, length);
        return copy;
    }

    @Override
    public int nioBufferCount() {
        return 1;
    }

    @Override
    public ByteBuffer nioBuffer(int index, int length) {
        checkIndex(index, length);
        return view.slice(index, length);
    }

    @Override
    public ByteBuffer[] nioBuffers(int index, int length) {
        return new ByteBuffer[] {nioBuffer(index, length)};
    }

    @Override
    public ByteBuffer internalNioBuffer(int index, int length) {
        checkIndex(index, length);
        return internalRange(index, length);
    }

    /** The internal duplicate with position {@code index} and limit {@code index + length}. */
    private ByteBuffer internalRange(int index, int length) {
        ByteBuffer buffer = internal;
        if (buffer == null) {
            buffer = view.duplicate();
            internal = buffer;
        }
        buffer.clear().position(index).limit(index + length);
        return buffer;
    }
}
