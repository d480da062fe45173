/**
 * Internal: a size-class allocator's blocks by index, for the Netty adapter
 * (module {@code dev.percpu.netty}), the only module this package is
 * exported to. Not an API.
 */
package dev.percpu.blocks;
