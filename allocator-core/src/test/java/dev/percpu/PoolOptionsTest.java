package dev.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.properties.PercpuProperties;
import dev.percpu.runtime.Mode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link PoolOptions} is the one place of the settings every pool shares: a value built once serves
 * several configurations unchanged, the configurations' shortcuts set its fields, and system properties
 * fill only the settings left unset, when the value is built.
 */
class PoolOptionsTest {
    private static final List<String> PROPERTIES = List.of(PercpuProperties.MODE, PercpuProperties.DEBUG,
        PercpuProperties.DEBUG_STACK_TRACES);
    private final List<String> saved = new ArrayList<>();

    @BeforeEach
    void clearProperties() {
        for (String name : PROPERTIES) {
            saved.add(System.getProperty(name));
            System.clearProperty(name);
        }
    }

    @AfterEach
    void restoreProperties() {
        for (int i = 0; i < PROPERTIES.size(); i++) {
            if (saved.get(i) == null) {
                System.clearProperty(PROPERTIES.get(i));
            } else {
                System.setProperty(PROPERTIES.get(i), saved.get(i));
            }
        }
    }

    @Test
    void shouldDefaultToAutoWithoutDebugAndALoggingLeakHandler() {
        PoolOptions options = PoolOptions.builder().build();
        assertEquals(Mode.AUTO, options.mode());
        assertFalse(options.debug());
        assertEquals(0, options.debugStackTraces());
        assertNotNull(options.leakHandler());
        assertEquals("mode=AUTO, debug=false", options.toString());
    }

    @Test
    void shouldGiveEveryConfigurationThatTakesItTheSameSettings() {
        Consumer<LeakReport> handler = report -> { };
        PoolOptions options = PoolOptions.builder().mode(Mode.FALLBACK).debug(true).debugStackTraces(4)
            .leakHandler(handler).build();
        SlabConfig slab = SlabConfig.builder().slotSize(64).capacitySlots(8).options(options).build();
        assertSameSettings(options, slab.options());
        SizeClassConfig classes = SizeClassConfig.builder().classSizes(16, 64, 4096).maxMemory("1m").options(options)
            .build();
        assertSameSettings(options, classes.options());
        for (int i = 0; i < 3; i++) {
            assertSameSettings(options, classes.classConfig(i).options());
        }
        assertTrue(slab.toString().contains("mode=FALLBACK, debug=true, debugStackTraces=4"), slab.toString());
    }

    @Test
    void shouldLetAShortcutChangeOneFieldOfAValue() {
        PoolOptions options = PoolOptions.builder().mode(Mode.FALLBACK).debug(true).build();
        SlabConfig slab = SlabConfig.builder().slotSize(64).capacitySlots(8).options(options).debug(false).build();
        assertEquals(Mode.FALLBACK, slab.options().mode());
        assertFalse(slab.options().debug());
        SizeClassConfig classes = SizeClassConfig.builder().debugStackTraces(2).options(options).build();
        assertEquals(0, classes.options().debugStackTraces(), "options(...) replaces every field, the last call wins");
        assertTrue(options.debug(), "the value itself never changes");
    }

    @Test
    void shouldReadSystemPropertiesOnlyForSettingsLeftUnset() {
        System.setProperty(PercpuProperties.MODE, "Fallback");
        System.setProperty(PercpuProperties.DEBUG, " TRUE ");
        System.setProperty(PercpuProperties.DEBUG_STACK_TRACES, "3");
        PoolOptions fromProperties = PoolOptions.builder().build();
        assertEquals(Mode.FALLBACK, fromProperties.mode());
        assertTrue(fromProperties.debug());
        assertEquals(3, fromProperties.debugStackTraces());
        PoolOptions set = PoolOptions.builder().mode(Mode.AUTO).debug(false).debugStackTraces(0).build();
        assertEquals(Mode.AUTO, set.mode());
        assertFalse(set.debug(), "the builder wins");
        assertEquals(0, set.debugStackTraces());
        assertTrue(SlabConfig.builder().slotSize(64).capacitySlots(8).build().options().debug());

        System.clearProperty(PercpuProperties.DEBUG);
        assertTrue(fromProperties.toBuilder().build().debug(), "a built value reads no property again");
        SizeClassConfig classes = SizeClassConfig.builder().options(fromProperties).build();
        assertTrue(classes.classConfig(0).options().debug());
    }

    @Test
    void shouldNameTheMalformedPropertyAndTheBadSetting() {
        System.setProperty(PercpuProperties.DEBUG_STACK_TRACES, "often");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PoolOptions.builder().build());
        assertTrue(e.getMessage().contains(PercpuProperties.DEBUG_STACK_TRACES + "=often"), e.getMessage());
        assertEquals(5, PoolOptions.builder().debugStackTraces(5).build().debugStackTraces(), "set: not read");
        System.clearProperty(PercpuProperties.DEBUG_STACK_TRACES);

        System.setProperty(PercpuProperties.MODE, "fast");
        e = assertThrows(IllegalArgumentException.class,
            () -> SizeClassConfig.builder().build());
        assertTrue(e.getMessage().contains(PercpuProperties.MODE + "=fast"), e.getMessage());
        System.clearProperty(PercpuProperties.MODE);

        e = assertThrows(IllegalArgumentException.class, () -> PoolOptions.builder().debugStackTraces(-1).build());
        assertTrue(e.getMessage().contains("debugStackTraces -1"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
            () -> SlabConfig.builder().slotSize(64).capacitySlots(8).debugStackTraces(-1).build());
        assertThrows(NullPointerException.class, () -> SlabConfig.builder().options(null));
        assertThrows(NullPointerException.class, () -> PoolOptions.builder().mode(null));
    }

    @Test
    void shouldBuildAnObjectPoolWhateverTheDebugPropertySays() {
        System.setProperty(PercpuProperties.DEBUG, "sometimes");
        try (ObjectPool<StringBuilder> pool = ObjectPool.builder(StringBuilder::new).capacity(4).mode(Mode.FALLBACK)
            .build()) {
            assertEquals(Mode.FALLBACK, pool.mode(), "an object pool takes the mode only");
        }
    }

    private static void assertSameSettings(PoolOptions expected, PoolOptions actual) {
        assertEquals(expected.mode(), actual.mode());
        assertEquals(expected.debug(), actual.debug());
        assertEquals(expected.debugStackTraces(), actual.debugStackTraces());
        assertSame(expected.leakHandler(), actual.leakHandler());
    }
}
