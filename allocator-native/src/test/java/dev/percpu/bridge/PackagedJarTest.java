package dev.percpu.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The packaged jar (system property {@code percpu.jar}; the pom's
 * {@code packaged-jar} execution runs this at {@code integration-test}, after
 * {@code package}) carries a library for every platform the loader supports,
 * each an ELF shared library for that platform's machine, linked
 * {@code -z nodelete}. A build with {@code -Dpercpu.aarch64.skip=true}
 * carries no arm64 library, not even one an earlier build left behind.
 */
class PackagedJarTest {
    private static final Map<String, Integer> MACHINES = Map.of(
        "linux-x86_64", ElfLibrary.EM_X86_64,
        "linux-aarch_64", ElfLibrary.EM_AARCH64);

    @Test
    void shouldCarryALibraryOfTheRightMachineForEveryPlatform() throws IOException {
        boolean arm64Skipped = Boolean.getBoolean("percpu.aarch64.skip");
        try (JarFile jar = new JarFile(packagedJar().toFile())) {
            for (String platform : NativeLibrary.PLATFORMS) {
                String name = NativeLibrary.resource(platform).substring(1);
                JarEntry entry = jar.getJarEntry(name);
                if (arm64Skipped && platform.equals("linux-aarch_64")) {
                    assertNull(entry, name + " must be absent from a jar built with -Dpercpu.aarch64.skip=true");
                    continue;
                }
                assertNotNull(entry, name + " is in " + jar.getName());
                assertTrue(MACHINES.containsKey(platform), "a machine is known for " + platform);
                ElfLibrary library;
                try (InputStream in = jar.getInputStream(entry)) {
                    library = new ElfLibrary(in.readAllBytes());
                }
                assertEquals(MACHINES.get(platform), library.machine(), name + ": e_machine");
                assertEquals(ElfLibrary.ET_DYN, library.type(), name + ": a shared library");
                assertTrue(library.isNodelete(), name + ": linked -z nodelete");
            }
        }
    }

    private static Path packagedJar() {
        String jar = System.getProperty("percpu.jar");
        assertNotNull(jar, "percpu.jar names the packaged jar (set by the pom's packaged-jar execution)");
        Path path = Paths.get(jar);
        assertTrue(Files.isRegularFile(path), path + " exists");
        return path;
    }
}
