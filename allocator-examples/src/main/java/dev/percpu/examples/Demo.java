package dev.percpu.examples;

import dev.percpu.RebalancerConfig;
import dev.percpu.SlabAllocator;
import dev.percpu.SlabConfig;
import dev.percpu.SlabStats;
import dev.percpu.examples.shared.Publishing;
import dev.percpu.runtime.PercpuRuntime;
import dev.percpu.stats.StatsPublisher;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo the README runs: builds a 64-byte slab allocator with a
 * rebalancer, runs
 * 2 x nproc threads that allocate single slots and batches, write into them
 * and free them for a few seconds, then prints the mode, the bridge, the CPUs,
 * the throughput and the allocator's statistics, and checks that every slot
 * came back.
 *
 * <p>Arguments: {@code [seconds] [threads] [--publish-stats]}, defaults 3
 * and 2 x nproc; {@code --publish-stats} publishes the allocator's
 * statistics for the {@code stats} command ({@link Publishing}).
 */
public final class Demo {
    private Demo() {
    }

    public static void main(String[] options) throws InterruptedException {
        boolean publish = Arrays.asList(options).contains("--publish-stats");
        String[] args = Arrays.stream(options).filter(a -> !a.equals("--publish-stats")).toArray(String[]::new);
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2 * Runtime.getRuntime().availableProcessors();
        SlabConfig config = SlabConfig.builder().slotSize(64).capacitySlots(1 << 16)
            .rebalancer(RebalancerConfig.builder().build()).build();
        try (SlabAllocator allocator = SlabAllocator.create(config)) {
            System.out.println("percpu demo");
            System.out.println("  java        " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
            System.out.println("  mode        " + allocator.mode() + " (requested " + config.options().mode() + ")");
            System.out.println("  bridge      " + allocator.bridgeName() + ", library extracted to "
                + PercpuRuntime.library());
            System.out.println("  rseq        " + PercpuRuntime.registration() + " registration, remote fence: "
                + PercpuRuntime.remoteFence());
            System.out.println("  cpus        " + allocator.cpus() + " possible, " + Runtime.getRuntime().availableProcessors()
                + " available to the JVM");
            System.out.println("  config      " + config);
            StatsPublisher publisher = publish ? Publishing.start(1) : null;
            if (publisher != null) {
                publisher.add("demo-64B", allocator::stats);
            }
            System.out.printf("  running     %d threads for %.1f s%n", threads, seconds);

            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong operations = new AtomicLong();
            AtomicLong slotsMoved = new AtomicLong();
            AtomicLong corrupted = new AtomicLong();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long mark = t + 1;
                workers.add(new Thread(() -> {
                    SplittableRandom random = new SplittableRandom(mark);
                    SlotViews memory = new SlotViews(allocator);
                    long[] batch = new long[32];
                    long ops = 0;
                    long moved = 0;
                    while (!stop.get()) {
                        if (random.nextInt(4) == 0) {
                            int n = allocator.allocate(batch, 1 + random.nextInt(batch.length));
                            for (int i = 0; i < n; i++) {
                                memory.of(batch[i]).putLong(0, mark);
                            }
                            for (int i = 0; i < n; i++) {
                                if (memory.of(batch[i]).getLong(0) != mark) {
                                    corrupted.incrementAndGet();
                                }
                            }
                            allocator.free(batch, n);
                            moved += n;
                        } else {
                            long slot = allocator.allocate();
                            memory.of(slot).putLong(0, mark);
                            allocator.free(slot);
                            moved++;
                        }
                        ops++;
                    }
                    operations.addAndGet(ops);
                    slotsMoved.addAndGet(moved);
                }, "demo-" + t));
            }
            long start = System.nanoTime();
            workers.forEach(Thread::start);
            Thread.sleep((long) (seconds * 1000));
            stop.set(true);
            for (Thread w : workers) {
                w.join();
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (publisher != null) {
                publisher.close();
            }
            SlabStats stats = allocator.stats();
            System.out.printf("  throughput  %.1f M operations/s, %.1f M slots allocated and freed/s%n",
                operations.get() / elapsed / 1e6, slotsMoved.get() / elapsed / 1e6);
            System.out.printf("  per pair    %.1f ns per slot allocate+free per thread%n",
                elapsed * 1e9 * threads / Math.max(1, slotsMoved.get()));
            System.out.println("stats:");
            System.out.println("  " + stats.toString().replace("\n", "\n  "));
            boolean ok = stats.inUse() == 0 && corrupted.get() == 0;
            System.out.println(ok ? "result: ok, every slot returned, no slot shared" :
                "result: FAILED, inUse=" + stats.inUse() + " corrupted=" + corrupted.get());
            if (!ok) {
                System.exit(1);
            }
        }
    }

    /** One thread's views of the allocator's slots, made when a slot is first seen ({@link SlabAllocator#slotView}). */
    private static final class SlotViews {
        private final SlabAllocator allocator;
        private final ByteBuffer[] views;

        SlotViews(SlabAllocator allocator) {
            this.allocator = allocator;
            this.views = new ByteBuffer[allocator.config().slots()];
        }

        ByteBuffer of(long address) {
            int index = (int) ((address - allocator.regionAddress()) / allocator.slotSize());
            ByteBuffer view = views[index];
            if (view == null) {
                view = allocator.slotView(address);
                views[index] = view;
            }
            return view;
        }
    }
}
