package dev.percpu.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.percpu.properties.PercpuProperties;
import org.junit.jupiter.api.Test;

/**
 * The bridge that runs is the one the build asked for: surefire sets
 * {@code percpu.bridge=jni} for the main run, and {@code ffm} for the second
 * run against the multi-release jar on JDK 22+.
 */
class BridgeSelectionTest {
    @Test
    void shouldRunTheRequestedBridge() {
        String requested = System.getProperty(PercpuProperties.BRIDGE);
        assumeTrue(requested != null && !requested.equals("auto"), "no bridge forced");
        assertEquals(requested, Bridges.name());
        System.out.println("bridge in this run: " + Bridges.name() + " on JDK " + Runtime.version());
    }
}
