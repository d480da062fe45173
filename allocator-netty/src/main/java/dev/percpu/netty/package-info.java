/**
 * percpu for Netty: {@link dev.percpu.netty.PercpuByteBufAllocator}, a
 * {@code ByteBufAllocator} whose direct buffers
 * ({@link dev.percpu.netty.PercpuByteBuf}) are blocks of a
 * {@link dev.percpu.SizeClassAllocator}.
 *
 * <p>Needs {@code io.netty:netty-buffer} 4.2 or 4.1, a dependency of this
 * artifact ({@code percpu-netty}); percpu's pools ({@code percpu-core})
 * depend on no Netty. Conventions are Netty's: reference counts,
 * {@code IllegalArgumentException} for bad capacities,
 * {@code IndexOutOfBoundsException} for bad indices; percpu's own limits
 * (the memory cap) throw {@link dev.percpu.PoolExhaustedException}. The
 * guide is {@code docs/netty.md}.
 */
package dev.percpu.netty;
