package dev.percpu.benchmarks.percpu;

import java.io.IOException;
import java.text.ParseException;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import org.openjdk.jmh.annotations.Param;

/**
 * The allocate + free pair of {@link PercpuBench} (its allocator, its
 * {@code mode} parameter) with a flight recording off and on, to show that
 * percpu's events, which only slow paths emit, leave the fast path alone.
 * {@code recording}: {@code off}; {@code percpu}, a recording
 * with every {@code dev.percpu.*} event enabled and nothing else;
 * {@code default+percpu}, the JDK's {@code default} settings plus every
 * percpu event (what
 * {@code -XX:StartFlightRecording:settings=default,settings=docs/percpu.jfc}
 * records). The recording runs in the benchmark's JVM from setup to
 * teardown, to disk, and is discarded.
 */
public class FlightRecorderBench extends PercpuBench {
    private static final String[] EVENTS = {"dev.percpu.Refill", "dev.percpu.Flush", "dev.percpu.Steal",
        "dev.percpu.Drain", "dev.percpu.Trim", "dev.percpu.RebalancerMove", "dev.percpu.Exhausted",
        "dev.percpu.NettyLarge", "dev.percpu.NettyFallback"};

    @Param({"off", "percpu", "default+percpu"})
    public String recording;

    private Recording jfr;

    @Override
    protected void open() {
        super.open();
        if (recording.equals("off")) {
            return;
        }
        try {
            jfr = recording.equals("percpu") ? new Recording() : new Recording(Configuration.getConfiguration("default"));
        } catch (IOException | ParseException e) {
            throw new IllegalStateException("cannot read the JDK's default JFR settings", e);
        }
        for (String event : EVENTS) {
            jfr.enable(event);
        }
        jfr.setToDisk(true);
        jfr.start();
    }

    @Override
    protected void close() {
        if (jfr != null) {
            jfr.close();
        }
        super.close();
    }
}
