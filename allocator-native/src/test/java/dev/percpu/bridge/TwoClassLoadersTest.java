package dev.percpu.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Two class loaders that load percpu in one JVM each get their own copy of
 * the library (a separate file copy, see NativeLibrary), and both work: with
 * glibc's registration both run rseq sections; where percpu registers its
 * own area, a thread the first copy registered gets NO_RSEQ from the second
 * (the pools then take their slow path). The library is linked
 * {@code -z nodelete}, so collecting a loader never unmaps it while the
 * kernel may still write a registered area in its static TLS.
 */
class TwoClassLoadersTest {
    @Test
    void shouldRunBothCopiesOnTheSameThreads() throws Exception {
        int appStatus = RseqCalls.rseqStatus();
        assumeTrue(appStatus != NativeCodes.RSEQ_OWN,
            "this JVM registered its own areas: shouldFallBackToTheSlowPathWhereTheFirstCopyRegistered covers it");
        try (URLClassLoader a = TwoLoadersProbe.inNewLoader(); URLClassLoader b = TwoLoadersProbe.inNewLoader()) {
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                List<Future<?>> runs = new ArrayList<>();
                for (int thread = 0; thread < 3; thread++) {
                    runs.add(pool.submit(() -> {
                        for (int round = 0; round < 50; round++) {
                            Map<String, String> inA = TwoLoadersProbe.exerciseIn(a);
                            Map<String, String> inB = TwoLoadersProbe.exerciseIn(b);
                            assertEquals("true", inA.get("conserved"), inA.toString());
                            assertEquals("true", inB.get("conserved"), inB.toString());
                            assertEquals(String.valueOf(RseqCalls.rseqStatus()), inA.get("status"), inA.toString());
                            assertEquals(inA.get("status"), inB.get("status"), "both copies use glibc's area");
                            assertNotEquals(inA.get("loadedFrom"), inB.get("loadedFrom"), "one file copy each");
                            assertNotEquals(inA.get("bridge"), inB.get("bridge"), "one bridge class each");
                            assertEquals(Bridges.name(), inA.get("bridgeName"), "the bridge this run tests");
                            assertEquals(Bridges.name(), inB.get("bridgeName"), "the bridge this run tests");
                        }
                        return null;
                    }));
                }
                for (Future<?> run : runs) {
                    run.get();
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void shouldFallBackToTheSlowPathWhereTheFirstCopyRegistered() throws Exception {
        RseqAvailability.requireRseq();
        ForkedJvm run = ForkedJvm.runWithoutGlibcRseq(TwoLoadersProbe.class);
        assertEquals(0, run.exitCode, run.toString());
        assertEquals(String.valueOf(NativeCodes.RSEQ_OWN), run.value("a.status"), run.toString());
        assertEquals(String.valueOf(NativeCodes.RSEQ_UNAVAILABLE), run.value("b.status"),
            "the thread's area is the first copy's: the second cannot register another " + run);
        assertEquals(String.valueOf(NativeCodes.NO_RSEQ), run.value("b.rseqPop"), run.toString());
        assertEquals("true", run.value("a.conserved"), run.toString());
        assertEquals("true", run.value("b.conserved"), "the second copy works in fallback mode " + run);
    }

    @Test
    void shouldBeLinkedSoThatItIsNeverUnloaded() throws IOException {
        try (InputStream in = NativeLibrary.class.getResourceAsStream(NativeLibrary.resource())) {
            assertTrue(in != null, "the library is on the class path");
            assertTrue(new ElfLibrary(in.readAllBytes()).isNodelete(), "libpercpu.so must be linked with -z nodelete");
        }
    }
}
