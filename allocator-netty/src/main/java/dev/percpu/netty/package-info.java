/**
 * percpu for Netty: {@link dev.percpu.netty.PercpuByteBufAllocator}, a
 * {@code ByteBufAllocator} whose direct buffers
 * ({@link dev.percpu.netty.PercpuByteBuf}) are blocks of a
 * {@link dev.percpu.SizeClassAllocator}.
 *
 * <p>Needs {@code io.netty:netty-buffer} 4.2 on the class path (an optional
 * dependency of allocator-core). Conventions are Netty's: reference counts,
 * {@code IllegalArgumentException} for bad capacities,
 * {@code IndexOutOfBoundsException} for bad indices; percpu's own limits
 * (the memory cap) throw {@link dev.percpu.PoolExhaustedException}. The
 * guide is the Netty section of {@code docs/api.md}.
 */
package dev.percpu.netty;
