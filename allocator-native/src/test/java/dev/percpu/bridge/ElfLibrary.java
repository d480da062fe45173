package dev.percpu.bridge;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The few facts the tests read from a little-endian ELF64 shared library:
 * its machine ({@code e_machine}: 62 for x86-64, 183 for arm64), its type,
 * and whether it was linked {@code -z nodelete} ({@code DF_1_NODELETE} in the
 * dynamic section's {@code DT_FLAGS_1}).
 */
final class ElfLibrary {
    static final int EM_X86_64 = 62;
    static final int EM_AARCH64 = 183;
    static final int ET_DYN = 3;

    private static final long DT_NULL = 0;
    private static final long DT_FLAGS_1 = 0x6ffffffbL;
    private static final long DF_1_NODELETE = 0x8;
    private static final int PT_DYNAMIC = 2;

    private final ByteBuffer elf;

    /** Reads the library's bytes; IllegalArgumentException when they are not a little-endian ELF64 file. */
    ElfLibrary(byte[] bytes) {
        elf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 64 || elf.getInt(0) != 0x464c457f || elf.get(4) != 2 || elf.get(5) != 1) {
            throw new IllegalArgumentException("not a little-endian 64-bit ELF file");
        }
    }

    /** e_type: {@link #ET_DYN} for a shared library. */
    int type() {
        return elf.getShort(0x10) & 0xffff;
    }

    /** e_machine. */
    int machine() {
        return elf.getShort(0x12) & 0xffff;
    }

    /** True when DT_FLAGS_1 has DF_1_NODELETE: the dynamic loader never unloads the library. */
    boolean isNodelete() {
        long programHeaders = elf.getLong(0x20);
        int entrySize = elf.getShort(0x36) & 0xffff;
        int entries = elf.getShort(0x38) & 0xffff;
        long flags1 = 0;
        for (int i = 0; i < entries; i++) {
            int header = (int) (programHeaders + (long) i * entrySize);
            if (elf.getInt(header) == PT_DYNAMIC) {
                int dynamic = (int) elf.getLong(header + 0x08);
                for (int entry = dynamic; elf.getLong(entry) != DT_NULL; entry += 16) {
                    if (elf.getLong(entry) == DT_FLAGS_1) {
                        flags1 = elf.getLong(entry + 8);
                    }
                }
            }
        }
        return (flags1 & DF_1_NODELETE) != 0;
    }
}
