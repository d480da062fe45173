package dev.percpu.benchmarks.percpu;

import dev.percpu.benchmarks.baselines.MemoryAfterThreads;
import dev.percpu.netty.PercpuByteBufAllocator;
import dev.percpu.examples.shared.NamedAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Memory a {@code ByteBufAllocator} holds after N threads each allocated and
 * released a few buffers; a plain main class, one fresh JVM per allocator and
 * N ({@code ByteBufMemoryAfterThreads} without arguments runs them all and
 * prints a Markdown table). Each thread runs {@value #ITERATIONS} times
 * "release the oldest of the {@value #HOLD} buffers it holds, allocate a
 * {@value #SIZE}-byte {@code ByteBuf}, write all of it", then releases the
 * rest and waits on a latch (alive, as in a thread pool) while the figures
 * are read: the allocator's own {@code metric().usedDirectMemory()} and the
 * process's {@code VmRSS} growth since just before the allocator was made
 * (after a warm-up on another instance). For percpu the bound is printed
 * beside it: {@link PercpuByteBufAllocator#perCpuCacheBoundBytes()} (CPUs x
 * classes x per-CPU capacity) plus the blocks in use (none at that point).
 * Threads: 1 to 256 platform threads, and 10,000 virtual threads ({@code v10000},
 * JDK 21+). Allocators and settings in {@link NamedAllocator} (made by {@link ByteBufSizes#allocator(String)}).
 */
public final class ByteBufMemoryAfterThreads {
    static final int ITERATIONS = 2_000;
    static final int HOLD = 8;
    static final int SIZE = 4096;
    static final String[] KINDS = {"percpu", "pooled", "pooledAllThreads", "adaptive"};
    static final String[] THREADS = {"1", "4", "16", "64", "256", "v10000"};

    private ByteBufMemoryAfterThreads() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2) {
            measure(args[0], args[1]);
        } else {
            drive();
        }
    }

    private static void work(ByteBufAllocator alloc) {
        ByteBuf[] held = new ByteBuf[HOLD];
        for (int i = 0; i < ITERATIONS; i++) {
            int slot = i % HOLD;
            if (held[slot] != null) {
                held[slot].release();
            }
            held[slot] = alloc.directBuffer(SIZE).writeZero(SIZE);
        }
        for (ByteBuf b : held) {
            b.release();
        }
    }

    static void measure(String kind, String threads) throws Exception {
        try (NamedAllocator warmUp = ByteBufSizes.allocator(kind)) {
            for (int round = 0; round < 5; round++) {
                work(warmUp.allocator());
            }
        }
        System.gc();
        long rssStart = MemoryAfterThreads.rss();
        NamedAllocator named = ByteBufSizes.allocator(kind);
        ByteBufAllocator alloc = named.allocator();
        boolean virtual = threads.startsWith("v");
        int n = Integer.parseInt(virtual ? threads.substring(1) : threads);
        CountDownLatch done = new CountDownLatch(n);
        CountDownLatch exit = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            Runnable task = () -> {
                try {
                    work(alloc);
                } finally {
                    done.countDown();
                }
                try {
                    exit.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            Thread worker = virtual ? virtualThread(task) : new Thread(task, "worker-" + t);
            worker.start();
            workers.add(worker);
        }
        if (!done.await(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException("workers did not finish");
        }
        long used = ((ByteBufAllocatorMetricProvider) alloc).metric().usedDirectMemory();
        long rssGrowth = MemoryAfterThreads.rss() - rssStart;
        long bound = alloc instanceof PercpuByteBufAllocator ? ((PercpuByteBufAllocator) alloc).perCpuCacheBoundBytes() : -1;
        System.out.println("RESULT " + kind + " " + threads + " used=" + used + " rssGrowth=" + rssGrowth + " bound=" + bound);
        exit.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        named.close();
    }

    /** {@code Thread.ofVirtual().unstarted(task)} through reflection (compiled for JDK 17). */
    private static Thread virtualThread(Runnable task) throws ReflectiveOperationException {
        Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
        Method unstarted = Class.forName("java.lang.Thread$Builder").getMethod("unstarted", Runnable.class);
        return (Thread) unstarted.invoke(builder, task);
    }

    private static void drive() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = System.getProperty("java.class.path");
        boolean hasVirtual = Runtime.version().feature() >= 21;
        System.out.println("| threads | " + String.join(" | ", KINDS) + " |");
        System.out.println("|---|" + "---|".repeat(KINDS.length));
        for (String threads : THREADS) {
            if (threads.startsWith("v") && !hasVirtual) {
                continue;
            }
            StringBuilder row = new StringBuilder("| " + threads + " |");
            for (String kind : KINDS) {
                List<String> cmd = List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx1g",
                    "-Dio.netty.leakDetection.level=disabled", "-cp", classpath,
                    ByteBufMemoryAfterThreads.class.getName(), kind, threads);
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                String result = "failed";
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        if (line.startsWith("RESULT ")) {
                            result = cell(line);
                        }
                    }
                }
                p.waitFor();
                row.append(' ').append(result).append(" |");
            }
            System.out.println(row);
        }
    }

    /** "used MiB / RSS growth MiB" and, for percpu, "(bound MiB)". */
    private static String cell(String line) {
        long used = 0;
        long rss = 0;
        long bound = -1;
        for (String field : line.split(" ")) {
            if (field.startsWith("used=")) {
                used = Long.parseLong(field.substring(5));
            } else if (field.startsWith("rssGrowth=")) {
                rss = Long.parseLong(field.substring(10));
            } else if (field.startsWith("bound=")) {
                bound = Long.parseLong(field.substring(6));
            }
        }
        String cell = mib(used) + " / " + mib(rss);
        return bound >= 0 ? cell + " (bound " + mib(bound) + ")" : cell;
    }

    private static String mib(long bytes) {
        return String.format("%.1f", bytes / 1048576.0);
    }
}
