package dev.percpu.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loader, each case in fresh JVMs. */
class NativeLibraryTest {
    @TempDir
    Path temp;

    @Test
    void shouldLoadInSeveralJvmsStartedAtOnceAndLeaveNothingBehind() throws Exception {
        Path shared = Files.createDirectory(temp.resolve("shared"));
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            processes.add(ForkedJvm.start(BridgeProbe.class, List.of("-Dpercpu.native.dir=" + shared), Map.of()));
        }
        for (Process p : processes) {
            ForkedJvm run = ForkedJvm.finish(p);
            assertEquals(0, run.exitCode, run.toString());
            assertEquals("ok", run.value("roundTrip"), run.toString());
            assertTrue(run.value("loadedFrom").startsWith(shared.toString()), run.toString());
        }
        try (var left = Files.list(shared)) {
            assertEquals(0, left.count(), "extracted files and directories are deleted after loading");
        }
    }

    @Test
    void shouldFallBackWhenTheTempDirIsUnusableAndSayWhy() throws Exception {
        Path notADirectory = Files.createFile(temp.resolve("plain-file"));
        ForkedJvm run = ForkedJvm.run(BridgeProbe.class,
            List.of("-Djava.io.tmpdir=" + notADirectory.resolve("tmp")), Map.of());
        assertEquals(0, run.exitCode, run.toString());
        assertEquals("ok", run.value("roundTrip"), run.toString());
        assertFalse(run.value("loadedFrom").startsWith(notADirectory.toString()), run.toString());
        assertTrue(run.value("skipped").contains(notADirectory.toString()), "the skipped directory is named: " + run);
    }

    @Test
    void shouldSkipANoexecDirectory() throws Exception {
        Path mount = Files.createDirectory(temp.resolve("noexec"));
        Process mounter = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "noexec,size=4m", "tmpfs", mount.toString())
            .redirectErrorStream(true).start();
        boolean mounted = mounter.waitFor(20, TimeUnit.SECONDS) && mounter.exitValue() == 0;
        assumeTrue(mounted, "cannot mount a noexec tmpfs here (needs root)");
        try {
            ForkedJvm run = ForkedJvm.run(BridgeProbe.class, List.of("-Dpercpu.native.dir=" + mount), Map.of());
            assertEquals(0, run.exitCode, run.toString());
            assertEquals("ok", run.value("roundTrip"), run.toString());
            assertFalse(run.value("loadedFrom").startsWith(mount.toString()), run.toString());
            assertTrue(run.value("skipped").contains(mount.toString()), "the noexec directory is named: " + run);
        } finally {
            new ProcessBuilder("umount", mount.toString()).start().waitFor(20, TimeUnit.SECONDS);
        }
    }
}
