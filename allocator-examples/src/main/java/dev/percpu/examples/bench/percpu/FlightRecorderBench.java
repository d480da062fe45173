package dev.percpu.examples.bench.percpu;

import dev.percpu.SlabAllocator;
import dev.percpu.SlabConfig;
import dev.percpu.examples.bench.support.PairBench;
import java.io.IOException;
import java.text.ParseException;
import jdk.jfr.Configuration;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import org.openjdk.jmh.annotations.Param;

/**
 * The allocate + free pair of {@link PercpuBench} (4 KiB slots, 65536 of
 * them) with a flight recording off and on, to show that percpu's events,
 * which only slow paths emit, leave the fast path alone (issue #17).
 * {@code recording}: {@code off}; {@code percpu}, a recording with every
 * {@code dev.percpu.*} event enabled and nothing else; {@code default+percpu},
 * the JDK's {@code default} settings plus every percpu event (what
 * {@code -XX:StartFlightRecording:settings=default,settings=docs/percpu.jfc}
 * records). The recording runs in the benchmark's JVM from setup to
 * teardown, to disk, and is discarded.
 */
public class FlightRecorderBench extends PairBench {
    private static final String[] EVENTS = {"dev.percpu.Refill", "dev.percpu.Flush", "dev.percpu.Steal",
        "dev.percpu.Drain", "dev.percpu.Trim", "dev.percpu.RebalancerMove", "dev.percpu.Exhausted",
        "dev.percpu.NettyLarge", "dev.percpu.NettyFallback"};

    @Param({"RSEQ", "FALLBACK"})
    public dev.percpu.runtime.Mode mode;

    @Param({"off", "percpu", "default+percpu"})
    public String recording;

    private SlabAllocator allocator;
    private Recording jfr;

    @Override
    protected void open() {
        allocator = SlabAllocator.create(SlabConfig.builder().slotSize(4096).capacitySlots(65536).mode(mode).build());
        if (!recording.equals("off")) {
            try {
                jfr = recording.equals("percpu") ? new Recording()
                    : new Recording(Configuration.getConfiguration("default"));
            } catch (IOException | ParseException e) {
                throw new IllegalStateException("cannot read the JDK's default JFR settings", e);
            }
            for (String event : EVENTS) {
                jfr.enable(event);
            }
            jfr.setToDisk(true);
            jfr.start();
            if (FlightRecorder.getFlightRecorder().getRecordings().isEmpty()) {
                throw new IllegalStateException("the recording did not start");
            }
        }
    }

    @Override
    protected void close() {
        if (jfr != null) {
            jfr.close();
        }
        allocator.close();
    }

    @Override
    protected long pair() {
        long address = allocator.allocate();
        allocator.free(address);
        return address;
    }
}
