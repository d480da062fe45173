package dev.percpu.events;

import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Recording;
import jdk.jfr.RecordingState;

/**
 * Whether any flight recording is running in this JVM, kept up to date by a
 * {@link FlightRecorderListener}. {@link SlowPathEvents} asks it before it
 * makes an event object: a disabled event's {@code new} is removed by the
 * JIT only when the whole emit is inlined, which a slow path does not
 * promise (docs/design.md, "Observability: flight recorder events and live
 * statistics"). While a recording runs (any
 * recording, even one without percpu's events) each slow-path emit makes
 * one small event object and {@code shouldCommit()} decides.
 */
final class RecordingGate implements FlightRecorderListener {
    private static volatile boolean running;

    static {
        FlightRecorder.addListener(new RecordingGate());
    }

    private RecordingGate() {
    }

    /** True while at least one recording is in state RUNNING. */
    static boolean running() {
        return running;
    }

    @Override
    public void recorderInitialized(FlightRecorder recorder) {
        update(recorder);
    }

    @Override
    public void recordingStateChanged(Recording recording) {
        update(FlightRecorder.getFlightRecorder());
    }

    private static void update(FlightRecorder recorder) {
        boolean any = false;
        for (Recording recording : recorder.getRecordings()) {
            any |= recording.getState() == RecordingState.RUNNING;
        }
        running = any;
    }
}
