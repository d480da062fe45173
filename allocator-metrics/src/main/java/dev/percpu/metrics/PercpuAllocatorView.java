package dev.percpu.metrics;

import dev.percpu.netty.PercpuByteBufAllocator;

/** The {@link PercpuAllocatorMXBean} of one allocator: each getter reads the allocator when called. */
final class PercpuAllocatorView implements PercpuAllocatorMXBean {
    private final AllocatorFigures figures;
    private final String name;

    PercpuAllocatorView(PercpuByteBufAllocator allocator, String name) {
        this.figures = new AllocatorFigures(allocator);
        this.name = name;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public String getMode() {
        return figures.mode();
    }

    @Override
    public boolean isClosed() {
        return figures.allocator().isClosed();
    }

    @Override
    public long getMaxMemoryBytes() {
        return figures.read(PercpuByteBufAllocator::maxMemory);
    }

    @Override
    public long getCommittedBytes() {
        return figures.read(PercpuByteBufAllocator::committedBytes);
    }

    @Override
    public long getInUseBytes() {
        return figures.read(PercpuByteBufAllocator::pooledInUseBytes);
    }

    @Override
    public long getPooledCommittedBytes() {
        return figures.read(PercpuByteBufAllocator::pooledCommittedBytes);
    }

    @Override
    public long getLargeBytes() {
        return figures.read(PercpuByteBufAllocator::largeBytes);
    }

    @Override
    public long getLargeBuffers() {
        return figures.read(PercpuByteBufAllocator::largeBuffers);
    }

    @Override
    public long getPerCpuCacheBoundBytes() {
        return figures.read(PercpuByteBufAllocator::perCpuCacheBoundBytes);
    }

    @Override
    public long getEventLoopCacheBoundBytes() {
        return figures.read(PercpuByteBufAllocator::eventLoopCacheBoundBytes);
    }

    @Override
    public long getEventLoopCaches() {
        return figures.read(PercpuByteBufAllocator::eventLoopCaches);
    }

    @Override
    public long getBufferObjects() {
        return figures.read(PercpuByteBufAllocator::bufferObjects);
    }

    @Override
    public long getFallbacks() {
        return figures.read(PercpuByteBufAllocator::fallbacks);
    }

    @Override
    public long getUsedHeapMemory() {
        return figures.read(a -> a.metric().usedHeapMemory());
    }

    @Override
    public long getUsedDirectMemory() {
        return figures.read(a -> a.metric().usedDirectMemory());
    }

    @Override
    public int[] getClassSizes() {
        return figures.classSizes();
    }

    @Override
    public long[] getClassInUseBytes() {
        return figures.readClasses(AllocatorFigures::inUseBytes);
    }

    @Override
    public long[] getClassCachedOnCpusBytes() {
        return figures.readClasses(AllocatorFigures::cachedOnCpusBytes);
    }

    @Override
    public long[] getClassDepotBytes() {
        return figures.readClasses(AllocatorFigures::depotBytes);
    }

    @Override
    public long[] getClassCpuCacheCapacityBytes() {
        return figures.readClasses(AllocatorFigures::cpuCacheCapacityBytes);
    }

    @Override
    public long[] getClassCommittedBytes() {
        return figures.readClasses(AllocatorFigures::committedBytes);
    }

    @Override
    public long[] getClassHandedBackBytes() {
        return figures.readClasses(AllocatorFigures::handedBackBytes);
    }

    @Override
    public long[] getClassRefills() {
        return figures.readClasses(AllocatorFigures::refills);
    }

    @Override
    public long[] getClassFlushes() {
        return figures.readClasses(AllocatorFigures::flushes);
    }

    @Override
    public long[] getClassSteals() {
        return figures.readClasses(AllocatorFigures::steals);
    }

    @Override
    public long[] getClassSlowPathEntries() {
        return figures.readClasses(AllocatorFigures::slowPathEntries);
    }
}
