package dev.percpu.bridge;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Loads percpu's bridge in class loaders of its own and exercises each copy,
 * for TwoClassLoadersTest. {@link #exercise()} runs inside such a loader (it
 * sees that loader's {@link Bridges}); {@link #inNewLoader()} makes the loader;
 * {@link #main} runs two copies on one thread in a forked JVM and prints what
 * each saw as {@code key=value} lines.
 */
public final class TwoLoadersProbe {
    private static final int INDICES = 48;

    private TwoLoadersProbe() {
    }

    /**
     * Pushes INDICES indices onto a new block of this loader's copy, takes them
     * back (local pops, then remote takes on every CPU), closes the block and
     * reports what happened as {@code key=value;...}.
     */
    public static String exercise() {
        StackCalls bridge = Bridges.stacks();
        int status = RseqCalls.rseqStatus();
        boolean fallback = status == NativeCodes.RSEQ_UNAVAILABLE;
        int ncpu = RseqCalls.possibleCpus();
        long block = BlockCalls.createBlock(ncpu, INDICES);
        int[] seen = new int[INDICES];
        int unpushed = 0;
        for (int i = 0; i < INDICES; i++) {
            int r = bridge.push(block, fallback, i);
            if (r != 0) {
                seen[i]++;
                unpushed++;
            }
        }
        for (int r = bridge.pop(block, fallback); r >= 0; r = bridge.pop(block, fallback)) {
            seen[r]++;
        }
        int[] taken = new int[INDICES];
        for (int cpu = 0; cpu < ncpu; cpu++) {
            int k = BlockCalls.remoteTake(block, cpu, taken, 0, INDICES, fallback);
            for (int j = 0; j < k; j++) {
                seen[taken[j]]++;
            }
        }
        int rseqPopResult = bridge.pop(block, false);
        BlockCalls.closeBlock(block, fallback);
        boolean conserved = Arrays.stream(seen).allMatch(count -> count == 1);
        return "status=" + status + ";conserved=" + conserved + ";unpushed=" + unpushed + ";rseqPop=" + rseqPopResult
            + ";loadedFrom=" + NativeLibrary.loadedFrom() + ";bridgeName=" + bridge.name() + ";bridge="
            + bridge.getClass().getName() + "@" + System.identityHashCode(bridge.getClass());
    }

    /** A class loader that loads the bridge (main and test classes) itself, not from the application's loader. */
    public static URLClassLoader inNewLoader() {
        URL main = Bridges.class.getProtectionDomain().getCodeSource().getLocation();
        URL test = TwoLoadersProbe.class.getProtectionDomain().getCodeSource().getLocation();
        return new URLClassLoader(new URL[] {main, test}, ClassLoader.getPlatformClassLoader());
    }

    /** Runs {@link #exercise()} of the copy in {@code loader} on the calling thread. */
    public static Map<String, String> exerciseIn(ClassLoader loader) throws ReflectiveOperationException {
        String report = (String) loader.loadClass(TwoLoadersProbe.class.getName()).getMethod("exercise")
            .invoke(null);
        Map<String, String> values = new TreeMap<>();
        for (String pair : report.split(";")) {
            int eq = pair.indexOf('=');
            values.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return values;
    }

    /** Exercises copy a, then copy b, on one new thread, and prints both reports (prefixed a. and b.). */
    public static void main(String[] args) throws Exception {
        try (URLClassLoader a = inNewLoader(); URLClassLoader b = inNewLoader()) {
            Map<String, String> out = new TreeMap<>();
            Thread t = new Thread(() -> {
                try {
                    exerciseIn(a).forEach((k, v) -> out.put("a." + k, v));
                    exerciseIn(b).forEach((k, v) -> out.put("b." + k, v));
                } catch (ReflectiveOperationException e) {
                    out.put("error", e.toString());
                }
            });
            t.start();
            t.join();
            out.forEach((k, v) -> System.out.println(k + "=" + v));
        }
    }
}
