package dev.percpu.benchmarks.baselines;

import dev.percpu.RebalancerConfig;
import dev.percpu.SlabAllocator;
import dev.percpu.SlabConfig;
import dev.percpu.SlabStats;
import dev.percpu.benchmarks.support.UnsafeAccess;
import dev.percpu.examples.shared.NamedAllocator;
import dev.percpu.runtime.Mode;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PoolArenaMetric;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocatorMetric;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Unsafe;

/**
 * Memory an allocator holds after N platform threads each did allocate/free
 * work; not a throughput benchmark, so a plain main class.
 *
 * <p>For one allocator and one N (one fresh JVM each, so nothing carries
 * over), N threads start together; each runs {@value #ITERATIONS}
 * iterations of "free the oldest of the 8 buffers it holds (once it holds
 * 8), allocate a 4 KiB buffer, write all 4096 bytes", then frees the rest.
 * So at most 8 buffers per thread are in use, and none is at the end. Then
 * the allocator's own figures and the process's {@code VmRSS} growth (from
 * {@code /proc/self/status}) are read three times. The RSS baseline is taken
 * just before the measured allocator is made, after the main thread ran
 * {@value #WARM_UP_ROUNDS} rounds of the same work on a separate instance of
 * the same kind (closed where it can be; for {@code pooled-default} a
 * {@code new PooledByteBufAllocator(true)}, so DEFAULT is first used by the
 * workers), so class loading and most JIT
 * compilation are behind it. Points:
 * <ul>
 *   <li>{@code alive}: all threads have finished their work but are still
 *       alive (parked on a latch), as in a thread pool;</li>
 *   <li>{@code joined}: right after the threads exited and were joined;</li>
 *   <li>{@code gc}: after {@code System.gc()}, {@code System.runFinalization()},
 *       2 s of sleep and once more both (Netty frees a dead plain thread's
 *       pool cache from a finalizer; percpu's rebalancer, where present,
 *       empties idle CPU stacks after 1 s).</li>
 * </ul>
 *
 * <p>Allocators: {@code percpu} (RSEQ, no rebalancer) and
 * {@code percpu-rebalancer} (RSEQ, {@code RebalancerConfig.builder().build()}),
 * both 65536 slots of 4 KiB (256 MiB reserved, MAP_NORESERVE), default
 * per-CPU capacity 512; figures: resident bytes of the region
 * ({@code mincore}), slots cached on CPU stacks, freed slots in the depot,
 * slots ever handed out. {@code pooled-default}: Netty's
 * {@code PooledByteBufAllocator.DEFAULT}; {@code pooled-allThreads}: Netty's
 * defaults with {@code useCacheForAllThreads = true} and no heap arenas
 * ({@link NamedAllocator}'s {@code pooled-direct-cached}, as in
 * {@link NettyPooledBench}); figures: {@code metric().usedDirectMemory()}
 * (bytes of chunks the arenas hold), {@code numThreadLocalCaches()}, and the
 * arenas' active allocations, which after every buffer was released are the
 * buffers sitting in thread caches (while the caches exist: Netty does not
 * count the frees its cache finalizer makes). {@code adaptive}: a
 * {@code new AdaptiveByteBufAllocator()}; figure: {@code usedDirectMemory()}.
 * {@code none}: the same threads, no allocator, no buffers (what thread
 * start-up adds to RSS). Every line also gives the growth of the JVM's
 * {@code direct} buffer pool ({@code BufferPoolMXBean}): memory Netty took with
 * {@code ByteBuffer.allocateDirect}, which the JDK zeroes, so all of it is
 * resident.
 *
 * <p>Run without arguments to measure every allocator for N = 1, 4, 16, 64
 * in child JVMs and print a Markdown table; with {@code <allocator> <N>} to
 * measure one in this JVM. Children run with {@code -Xms128m -Xmx128m
 * -XX:+AlwaysPreTouch}, so the Java heap is resident before the baseline and
 * does not show up as growth.
 */
public final class MemoryAfterThreads {
    static final int ITERATIONS = 10_000;
    static final int HOLD = 8;
    static final int WARM_UP_ROUNDS = 5;
    static final int CHILD_TIMEOUT_SECONDS = 120;
    static final int SIZE = 4096;
    static final int[] THREADS = {1, 4, 16, 64};
    static final String[] KINDS = {"percpu", "percpu-rebalancer", "pooled-default", "pooled-allThreads", "adaptive", "none"};
    static final String[] CHILD_JVM_ARGS = {"--enable-native-access=ALL-UNNAMED", "--add-opens",
        "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xms128m", "-Xmx128m", "-XX:+AlwaysPreTouch",
        "-XX:MaxDirectMemorySize=1g"};

    private static final Unsafe UNSAFE = UnsafeAccess.unsafe();

    private MemoryAfterThreads() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2) {
            measure(args[0], Integer.parseInt(args[1]));
        } else if (args.length == 0) {
            drive();
        } else {
            System.err.println("usage: MemoryAfterThreads [<allocator> <threads>]; allocators: " + String.join(", ", KINDS));
            System.exit(2);
        }
    }

    /** What one allocator looks like to the worker threads and to the report. */
    interface Subject {
        /** Runs one thread's work. */
        void work();

        /** The allocator's own figures, as key=value pairs. */
        Map<String, Long> figures();

        /** Gives the allocator's memory back where it can (percpu: unmaps the region). */
        default void close() {
        }
    }

    static void measure(String kind, int threads) throws Exception {
        Subject warmUp = subject(kind, true);
        for (int round = 0; round < WARM_UP_ROUNDS; round++) {
            warmUp.work();
        }
        warmUp.close();
        System.gc();
        long rssStart = rss();
        long directStart = jvmDirect();
        Subject subject = subject(kind, false);
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(threads);
        CountDownLatch exit = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        Throwable[] failure = new Throwable[1];
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                    subject.work();
                } catch (Throwable e) {
                    synchronized (failure) {
                        failure[0] = e;
                    }
                } finally {
                    done.countDown();
                }
                try {
                    exit.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "worker-" + t);
            worker.start();
            workers.add(worker);
        }
        start.countDown();
        done.await();
        synchronized (failure) {
            if (failure[0] != null) {
                throw new IllegalStateException("a worker failed", failure[0]);
            }
        }
        report(kind, threads, "alive", rssStart, directStart, subject);
        exit.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        report(kind, threads, "joined", rssStart, directStart, subject);
        System.gc();
        System.runFinalization();
        Thread.sleep(2000);
        System.gc();
        System.runFinalization();
        report(kind, threads, "gc", rssStart, directStart, subject);
        // Also stops percpu's rebalancer thread, which is not a daemon: without close() this JVM would not exit.
        subject.close();
    }

    private static void report(String kind, int threads, String point, long rssStart, long directStart, Subject subject)
        throws IOException {
        StringBuilder line = new StringBuilder("RESULT ").append(kind).append(' ').append(threads).append(' ').append(point);
        for (Map.Entry<String, Long> e : subject.figures().entrySet()) {
            line.append(' ').append(e.getKey()).append('=').append(e.getValue());
        }
        line.append(" jvmDirectGrowth=").append(jvmDirect() - directStart);
        line.append(" rssGrowth=").append(rss() - rssStart);
        System.out.println(line);
    }

    /** The allocator named {@code kind}; for the warm-up, a separate instance even where the measured one is a singleton. */
    static Subject subject(String kind, boolean warmUp) {
        switch (kind) {
            case "percpu":
            case "percpu-rebalancer":
                return percpu(kind.endsWith("-rebalancer"));
            case "pooled-default":
                // DEFAULT is new PooledByteBufAllocator(PlatformDependent.directBufferPreferred()): true here.
                return pooled(netty(warmUp ? "pooled" : "pooled-default"));
            case "pooled-allThreads":
                return pooled(netty("pooled-direct-cached"));
            case "adaptive":
                return adaptive((AdaptiveByteBufAllocator) NamedAllocator.create("adaptive").allocator());
            case "none":
                return new Subject() {
                    @Override
                    public void work() {
                    }

                    @Override
                    public Map<String, Long> figures() {
                        return new LinkedHashMap<>();
                    }
                };
            default:
                throw new IllegalArgumentException("unknown allocator " + kind + "; one of " + String.join(", ", KINDS));
        }
    }

    /** Netty's pooled allocator by {@link NamedAllocator} name. */
    private static PooledByteBufAllocator netty(String name) {
        return (PooledByteBufAllocator) NamedAllocator.create(name).allocator();
    }

    private static Subject percpu(boolean rebalancer) {
        SlabConfig.Builder builder = SlabConfig.builder().slotSize(SIZE).capacitySlots(65536).mode(dev.percpu.runtime.Mode.RSEQ);
        if (rebalancer) {
            builder.rebalancer(RebalancerConfig.builder().build());
        }
        SlabAllocator allocator = SlabAllocator.create(builder.build());
        return new Subject() {
            @Override
            public void work() {
                long[] held = new long[HOLD];
                for (int i = 0; i < ITERATIONS; i++) {
                    int at = i % HOLD;
                    if (held[at] != 0) {
                        allocator.free(held[at]);
                    }
                    long address = allocator.allocate();
                    UNSAFE.setMemory(address, SIZE, (byte) 1);
                    held[at] = address;
                }
                for (long address : held) {
                    if (address != 0) {
                        allocator.free(address);
                    }
                }
            }

            @Override
            public void close() {
                allocator.close();
            }

            @Override
            public Map<String, Long> figures() {
                SlabStats stats = allocator.stats();
                Map<String, Long> f = new LinkedHashMap<>();
                f.put("resident", allocator.residentBytes());
                f.put("cachedOnCpus", stats.freeOnCpus());
                f.put("depotFreed", stats.depotFree() - (stats.slots() - stats.carvedSlots()));
                f.put("carved", (long) stats.carvedSlots());
                f.put("inUse", stats.inUse());
                f.put("idleDrains", stats.idleDrains());
                return f;
            }
        };
    }

    private static Subject pooled(PooledByteBufAllocator allocator) {
        return new Subject() {
            @Override
            public void work() {
                nettyWork(allocator::directBuffer);
            }

            @Override
            public Map<String, Long> figures() {
                PooledByteBufAllocatorMetric metric = allocator.metric();
                long active = 0;
                for (PoolArenaMetric arena : metric.directArenas()) {
                    active += arena.numActiveAllocations();
                }
                Map<String, Long> f = new LinkedHashMap<>();
                f.put("usedDirect", metric.usedDirectMemory());
                f.put("threadCaches", (long) metric.numThreadLocalCaches());
                f.put("activeAllocations", active);
                f.put("chunkSize", (long) metric.chunkSize());
                return f;
            }
        };
    }

    private static Subject adaptive(AdaptiveByteBufAllocator allocator) {
        return new Subject() {
            @Override
            public void work() {
                nettyWork(allocator::directBuffer);
            }

            @Override
            public Map<String, Long> figures() {
                Map<String, Long> f = new LinkedHashMap<>();
                f.put("usedDirect", allocator.usedDirectMemory());
                return f;
            }
        };
    }

    private static void nettyWork(java.util.function.IntFunction<ByteBuf> allocate) {
        ByteBuf[] held = new ByteBuf[HOLD];
        for (int i = 0; i < ITERATIONS; i++) {
            int at = i % HOLD;
            if (held[at] != null) {
                held[at].release();
            }
            ByteBuf buffer = allocate.apply(SIZE);
            if (buffer.hasMemoryAddress()) {
                UNSAFE.setMemory(buffer.memoryAddress(), SIZE, (byte) 1);
            } else {
                for (int j = 0; j < SIZE; j += 8) {
                    buffer.setLong(j, -1L);
                }
            }
            held[at] = buffer;
        }
        for (ByteBuf buffer : held) {
            if (buffer != null) {
                buffer.release();
            }
        }
    }

    /** Bytes of the JVM's "direct" buffer pool: memory of ByteBuffer.allocateDirect buffers (zeroed when made). */
    static long jvmDirect() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getMemoryUsed();
            }
        }
        return -1;
    }

    /** VmRSS of this process in bytes. */
    public static long rss() throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
            }
        }
        throw new IOException("no VmRSS in /proc/self/status");
    }

    /** Runs every allocator and N in a child JVM, prints the raw lines, then the table. */
    private static void drive() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = System.getProperty("java.class.path");
        List<Map<String, String>> results = new ArrayList<>();
        for (String kind : KINDS) {
            for (int n : THREADS) {
                List<String> command = new ArrayList<>();
                command.add(java);
                command.addAll(List.of(CHILD_JVM_ARGS));
                command.addAll(List.of("-cp", classpath, MemoryAfterThreads.class.getName(), kind, Integer.toString(n)));
                Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
                Thread watchdog = new Thread(() -> {
                    try {
                        if (!child.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                            System.out.println("timeout: " + kind + " " + n + " ran longer than " + CHILD_TIMEOUT_SECONDS + " s");
                            child.destroyForcibly();
                        }
                    } catch (InterruptedException e) {
                        child.destroyForcibly();
                    }
                });
                watchdog.setDaemon(true);
                watchdog.start();
                try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = out.readLine(); line != null; line = out.readLine()) {
                        System.out.println(line);
                        if (line.startsWith("RESULT ")) {
                            results.add(parse(line));
                        }
                    }
                }
                if (child.waitFor() != 0) {
                    throw new IllegalStateException(kind + " " + n + ": child exited with " + child.exitValue());
                }
            }
        }
        System.out.println();
        System.out.println("child JVM flags: " + String.join(" ", CHILD_JVM_ARGS));
        System.out.println();
        System.out.println("| allocator | N | allocator's figure, KiB: alive / joined / after GC | cached: alive / joined / after GC"
            + " | JVM direct pool growth, KiB, after GC | RSS growth MiB: alive / joined / after GC |");
        System.out.println("|---|---:|---|---|---:|---|");
        for (String kind : KINDS) {
            for (int n : THREADS) {
                Map<String, String> alive = find(results, kind, n, "alive");
                Map<String, String> joined = find(results, kind, n, "joined");
                Map<String, String> gc = find(results, kind, n, "gc");
                System.out.println("| " + kind + " | " + n + " | " + held(alive) + " / " + held(joined) + " / " + held(gc)
                    + " | " + cached(alive) + " / " + cached(joined) + " / " + cached(gc)
                    + " | " + kib(gc.get("jvmDirectGrowth"))
                    + " | " + mib(alive.get("rssGrowth")) + " / " + mib(joined.get("rssGrowth")) + " / " + mib(gc.get("rssGrowth"))
                    + " |");
            }
        }
    }

    private static Map<String, String> parse(String line) {
        String[] words = line.split(" ");
        Map<String, String> m = new LinkedHashMap<>();
        m.put("kind", words[1]);
        m.put("n", words[2]);
        m.put("point", words[3]);
        for (int i = 4; i < words.length; i++) {
            int eq = words[i].indexOf('=');
            m.put(words[i].substring(0, eq), words[i].substring(eq + 1));
        }
        return m;
    }

    private static Map<String, String> find(List<Map<String, String>> results, String kind, int n, String point) {
        for (Map<String, String> m : results) {
            if (m.get("kind").equals(kind) && m.get("n").equals(Integer.toString(n)) && m.get("point").equals(point)) {
                return m;
            }
        }
        throw new IllegalStateException("no result for " + kind + " " + n + " " + point);
    }

    /** The allocator's memory figure: resident region (percpu) or usedDirectMemory (Netty), KiB. */
    private static String held(Map<String, String> m) {
        if (m.containsKey("resident")) {
            return kib(m.get("resident")) + " res";
        }
        if (m.containsKey("usedDirect")) {
            return kib(m.get("usedDirect")) + " used";
        }
        return "-";
    }

    /** Buffers cached for reuse: CPU stacks + depot (percpu), thread caches and their buffers (pooled). */
    private static String cached(Map<String, String> m) {
        if (m.containsKey("cachedOnCpus")) {
            return m.get("cachedOnCpus") + "+" + m.get("depotFreed");
        }
        if (m.containsKey("threadCaches")) {
            // Netty does not count frees from a dead thread's cache finalizer, so active allocations
            // mean "buffers in thread caches" only while caches exist.
            return m.get("threadCaches").equals("0") ? "0 caches" : m.get("activeAllocations") + " in " + m.get("threadCaches");
        }
        return "-";
    }

    private static String kib(String bytes) {
        return String.format("%,d", Long.parseLong(bytes) / 1024);
    }

    private static String mib(String bytes) {
        return String.format("%.1f", Long.parseLong(bytes) / 1048576.0);
    }
}
