package dev.percpu.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.runtime.Mode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link PercpuByteBufAllocator#onClose(Runnable)}: listeners run once, in order, after the
 * allocator is closed; at once when it is closed already; one that throws stops none of the others.
 */
class CloseListenerTest {
    private final OpenAllocators allocators = new OpenAllocators();

    @AfterEach
    void closeAll() {
        allocators.closeAll();
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void listenersRunOnceInOrderAfterClose(Mode mode) {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b);
        List<String> ran = new ArrayList<>();
        alloc.onClose(() -> {
            assertTrue(alloc.isClosed(), "the allocator is closed when a listener runs");
            assertThrows(IllegalStateException.class, () -> alloc.directBuffer(16));
            ran.add("first");
        });
        alloc.onClose(() -> ran.add("second"));
        assertEquals(List.of(), ran, "nothing runs before close");
        alloc.close();
        assertEquals(List.of("first", "second"), ran);
        alloc.close();
        assertEquals(List.of("first", "second"), ran, "a second close runs nothing again");
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void aListenerAddedAfterCloseRunsAtOnce(Mode mode) {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b);
        alloc.close();
        List<String> ran = new ArrayList<>();
        alloc.onClose(() -> ran.add("late"));
        assertEquals(List.of("late"), ran);
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void aThrowingListenerStopsNoneOfTheOthers(Mode mode) {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b);
        RuntimeException first = new IllegalStateException("first");
        RuntimeException second = new IllegalArgumentException("second");
        List<String> ran = new ArrayList<>();
        alloc.onClose(() -> {
            throw first;
        });
        alloc.onClose(() -> ran.add("between"));
        alloc.onClose(() -> {
            throw second;
        });
        RuntimeException thrown = assertThrows(RuntimeException.class, alloc::close);
        assertSame(first, thrown);
        assertSame(second, thrown.getSuppressed()[0]);
        assertEquals(List.of("between"), ran);
        assertTrue(alloc.isClosed());
        assertThrows(NullPointerException.class, () -> alloc.onClose(null));
    }
}
