package dev.percpu.benchmarks.percpu;

import dev.percpu.netty.PercpuByteBufAllocator;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The figures of memory handed back, printed as Markdown rows: a burst of 1 GiB of Netty buffers
 * (sizes 16 B to 64 KiB), all released, then 10 s idle, sampling the allocator's committed bytes
 * and the process's resident set every second; the same with one buffer in 100 kept alive
 * (fragmentation); and the process's mapping count while large buffers churn. Run by
 * {@code allocator-benchmarks/scripts/handback-figures.sh}; the allocator has the default hand-back window (2 s).
 */
public final class HandBackFigures {
    private static final long MIB = 1 << 20;

    private HandBackFigures() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("| run | t (s) | committed (MiB) | RSS (MiB) |");
        System.out.println("|---|---:|---:|---:|");
        burst("all released", 0);
        burst("1 in 100 kept", 100);
        churn();
    }

    private static void burst(String label, int keepEvery) throws Exception {
        try (PercpuByteBufAllocator alloc = PercpuByteBufAllocator.builder().maxMemory(2048 * MIB).build()) {
            long rssBefore = rss();
            SplittableRandom random = new SplittableRandom(7);
            List<ByteBuf> held = new ArrayList<>();
            long bytes = 0;
            while (bytes < 1024 * MIB) {
                int size = 16 << random.nextInt(13);
                ByteBuf buf = alloc.directBuffer(size);
                buf.writeZero(size);
                held.add(buf);
                bytes += size;
            }
            row(label, 0, alloc.committedBytes(), rss() - rssBefore);
            List<ByteBuf> kept = new ArrayList<>();
            for (int i = 0; i < held.size(); i++) {
                if (keepEvery > 0 && i % keepEvery == 0) {
                    kept.add(held.get(i));
                } else {
                    held.get(i).release();
                }
            }
            for (int second = 1; second <= 10; second++) {
                Thread.sleep(1000);
                row(label, second, alloc.committedBytes(), rss() - rssBefore);
            }
            System.out.println("| " + label + ": per-CPU cache bound | | " + alloc.perCpuCacheBoundBytes() / MIB
                + " | |");
            kept.forEach(ByteBuf::release);
        }
    }

    private static void churn() throws IOException {
        try (PercpuByteBufAllocator alloc = PercpuByteBufAllocator.builder().maxMemory(2048 * MIB).build()) {
            long before = mappings();
            ByteBuf[] live = new ByteBuf[600];
            long most = 0;
            SplittableRandom random = new SplittableRandom(11);
            for (int i = 0; i < 200_000; i++) {
                int at = random.nextInt(live.length);
                if (live[at] != null) {
                    live[at].release();
                }
                live[at] = alloc.directBuffer((1 << 20) + random.nextInt(1 << 20));
                if (i % 1000 == 0) {
                    most = Math.max(most, mappings() - before);
                }
            }
            for (ByteBuf b : live) {
                b.release();
            }
            System.out.println();
            System.out.println("large-buffer churn: 200,000 buffers of 1-2 MiB, 600 live: at most " + most
                + " mappings more than before (" + alloc.classCount() + " classes)");
        }
    }

    private static void row(String label, int second, long committed, long rss) {
        System.out.println("| " + label + " | " + second + " | " + committed / MIB + " | " + rss / MIB + " |");
    }

    private static long mappings() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).size();
    }

    private static long rss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }
}
