package dev.percpu.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.properties.PercpuProperties;
import org.junit.jupiter.api.Test;

/**
 * The loader's reading of {@code System.load} errors: messages as glibc's
 * dynamic loader and HotSpot print them (the first taken from the demo in a
 * glibc 2.31 root with a library linked on glibc 2.36, the arm64 one from an
 * x86-64 JVM), each classified and explained with its own remedy; only a
 * noexec mount points at {@code -Dpercpu.native.dir}.
 */
class LoadFailureTest {
    private static final String OLD_GLIBC = "/tmp/percpu-1011/libpercpu.so: /lib64/ld-linux-x86-64.so.2: "
        + "version `GLIBC_2.35' not found (required by /tmp/percpu-1011/libpercpu.so)";
    private static final String OLD_GLIBC_NEW_QUOTES = "/tmp/p/libpercpu.so: /lib/x86_64-linux-gnu/libc.so.6: "
        + "version 'GLIBC_2.34' not found (required by /tmp/p/libpercpu.so)";
    private static final String BELOW_BASELINE = "/tmp/p/libpercpu.so: /lib64/libc.so.6: "
        + "version `GLIBC_2.14' not found (required by /tmp/p/libpercpu.so)";
    private static final String ARM64_ON_X86 = "/tmp/p/libpercpu.so: /tmp/p/libpercpu.so: cannot open shared object "
        + "file: No such file or directory (Possible cause: can't load AARCH64 .so on a AMD 64 platform)";
    private static final String WORD_WIDTH = "/tmp/p/libpercpu.so: /tmp/p/libpercpu.so: wrong ELF class: ELFCLASS32 "
        + "(Possible cause: architecture word width mismatch)";
    private static final String NOEXEC = "/mnt/nx/percpu-5/libpercpu.so: /mnt/nx/percpu-5/libpercpu.so: "
        + "failed to map segment from shared object";
    private static final String OTHER = "/tmp/p/libpercpu.so: /tmp/p/libpercpu.so: file too short";

    @Test
    void shouldNameTheGlibcVersionAndTheBaselineWhenASymbolVersionIsMissing() {
        assertEquals(LoadFailure.Cause.MISSING_SYMBOL_VERSION, LoadFailure.classify(OLD_GLIBC));
        String text = LoadFailure.explain(OLD_GLIBC);
        assertTrue(text.contains("needs glibc 2.35 (GLIBC_2.35 from /lib64/ld-linux-x86-64.so.2)"), text);
        assertTrue(text.contains("this system's glibc is older"), text);
        assertTrue(text.contains("target glibc " + LoadFailure.GLIBC_BASELINE + " and later"), text);
        assertTrue(text.contains(OLD_GLIBC), "keeps the loader's words: " + text);
        assertFalse(text.contains(PercpuProperties.NATIVE_DIR), "no directory cures an old glibc: " + text);
        assertFalse(LoadFailure.dependsOnDirectory(OLD_GLIBC));
    }

    @Test
    void shouldReadTheQuotesOfNewerGlibc() {
        assertEquals(LoadFailure.Cause.MISSING_SYMBOL_VERSION, LoadFailure.classify(OLD_GLIBC_NEW_QUOTES));
        String text = LoadFailure.explain(OLD_GLIBC_NEW_QUOTES);
        assertTrue(text.contains("needs glibc 2.34 (GLIBC_2.34 from /lib/x86_64-linux-gnu/libc.so.6)"), text);
    }

    @Test
    void shouldSayWhichGlibcPercpuNeedsWhenTheSystemIsOlderThanTheBaseline() {
        assertEquals(LoadFailure.Cause.MISSING_SYMBOL_VERSION, LoadFailure.classify(BELOW_BASELINE));
        String text = LoadFailure.explain(BELOW_BASELINE);
        assertTrue(text.contains("needs glibc 2.14"), text);
        assertTrue(text.contains("percpu needs glibc " + LoadFailure.GLIBC_BASELINE + " or later"), text);
        assertFalse(text.contains("built without"), "a library within the baseline was built right: " + text);
    }

    @Test
    void shouldNameAnotherArchitectureOrWordWidth() {
        for (String message : new String[] {ARM64_ON_X86, WORD_WIDTH}) {
            assertEquals(LoadFailure.Cause.WRONG_ARCHITECTURE, LoadFailure.classify(message), message);
            String text = LoadFailure.explain(message);
            assertTrue(text.contains("the library is for another architecture than this JVM"), text);
            assertTrue(text.contains(message), text);
            assertFalse(text.contains(PercpuProperties.NATIVE_DIR), text);
            assertFalse(LoadFailure.dependsOnDirectory(message));
        }
    }

    @Test
    void shouldPointAtAnotherDirectoryOnlyForANoexecMount() {
        assertEquals(LoadFailure.Cause.NOEXEC, LoadFailure.classify(NOEXEC));
        String text = LoadFailure.explain(NOEXEC);
        assertTrue(text.contains("mounted noexec"), text);
        assertTrue(text.contains("-D" + PercpuProperties.NATIVE_DIR + "="), text);
        assertTrue(LoadFailure.dependsOnDirectory(NOEXEC));
    }

    @Test
    void shouldPassAnyOtherMessageOnAsTheLoaderSaidIt() {
        assertEquals(LoadFailure.Cause.OTHER, LoadFailure.classify(OTHER));
        assertEquals("the loader said: " + OTHER, LoadFailure.explain(OTHER));
        assertEquals(LoadFailure.Cause.OTHER, LoadFailure.classify(null));
        assertTrue(LoadFailure.dependsOnDirectory(OTHER), "another directory may work");
    }
}
