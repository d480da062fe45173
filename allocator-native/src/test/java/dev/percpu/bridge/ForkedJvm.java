package dev.percpu.bridge;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Starts a main class of the test class path in a new JVM and collects its output. */
public final class ForkedJvm {
    public final int exitCode;
    public final String output;

    private ForkedJvm(int exitCode, String output) {
        this.exitCode = exitCode;
        this.output = output;
    }

    public static Process start(Class<?> main, List<String> jvmArgs, Map<String, String> env, String... args)
        throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        return pb.start();
    }

    public static ForkedJvm finish(Process p) throws IOException, InterruptedException {
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("forked JVM did not exit in 60 s");
        }
        return new ForkedJvm(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    public static ForkedJvm run(Class<?> main, List<String> jvmArgs, Map<String, String> env, String... args)
        throws IOException, InterruptedException {
        return finish(start(main, jvmArgs, env, args));
    }

    /** Runs {@code main} in a JVM whose threads glibc does not register (percpu then registers its own areas). */
    public static ForkedJvm runWithoutGlibcRseq(Class<?> main) throws IOException, InterruptedException {
        return run(main, List.of(), Map.of("GLIBC_TUNABLES", "glibc.pthread.rseq=0"));
    }

    /** The value of a {@code key=value} line, or null. */
    public String value(String key) {
        for (String line : output.split("\n")) {
            if (line.startsWith(key + "=")) {
                return line.substring(key.length() + 1).trim();
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "exit " + exitCode + ", output:\n" + output;
    }
}
