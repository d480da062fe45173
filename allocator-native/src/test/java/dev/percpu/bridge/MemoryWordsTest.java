package dev.percpu.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The word fill and compare that debug mode poisons and checks slots with. */
class MemoryWordsTest {
    private static final long PATTERN = 0xDEADBEEFCAFEF00DL;

    @Test
    void shouldFillEveryWordAndFindTheFirstOneChanged() {
        long region = MemoryCalls.mapRegion(8192);
        try {
            ByteBuffer memory = MemoryCalls.view(region, 8192);
            MemoryCalls.fillWords(region + 64, 4096, PATTERN);
            assertEquals(0, memory.getLong(56), "the word before is untouched");
            assertEquals(PATTERN, memory.getLong(64));
            assertEquals(PATTERN, memory.getLong(64 + 4088));
            assertEquals(0, memory.getLong(64 + 4096), "the word after is untouched");
            assertEquals(-1, MemoryCalls.findWordNot(region + 64, 4096, PATTERN));
            memory.put(64 + 1001, (byte) 1);
            assertEquals(1000, MemoryCalls.findWordNot(region + 64, 4096, PATTERN), "offset of the changed word");
            assertEquals(-1, MemoryCalls.findWordNot(region + 64, 1000, PATTERN), "a range that stops before it");
            assertEquals(-1, MemoryCalls.findWordNot(region + 64, 0, PATTERN), "an empty range");
        } finally {
            MemoryCalls.unmapRegion(region, 8192);
        }
    }

    @Test
    void shouldRejectLengthsThatAreNotWholeWords() {
        assertThrows(IllegalArgumentException.class, () -> MemoryCalls.fillWords(8, 12, PATTERN));
        assertThrows(IllegalArgumentException.class, () -> MemoryCalls.findWordNot(8, -8, PATTERN));
    }
}
