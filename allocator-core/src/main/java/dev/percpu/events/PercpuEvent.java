package dev.percpu.events;

import jdk.jfr.Category;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.StackTrace;

/**
 * What every percpu event shares, by inherited annotations: category
 * {@code percpu}, disabled by default, no stack trace unless the event or
 * the recording's settings ask for one. Other percpu modules' events (the
 * Netty adapter's) extend it too.
 */
@Category("percpu")
@Enabled(false)
@StackTrace(false)
public abstract class PercpuEvent extends Event {
}
