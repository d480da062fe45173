package dev.percpu.metrics;

import dev.percpu.netty.PercpuByteBufAllocator;
import java.lang.management.ManagementFactory;
import java.util.Objects;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanRegistrationException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.NotCompliantMBeanException;
import javax.management.ObjectName;

/**
 * Registers one read-only {@link PercpuAllocatorMXBean} per allocator under
 * {@code dev.percpu:type=PercpuByteBufAllocator,name=<name>} and unregisters it when the allocator
 * closes (through {@link PercpuByteBufAllocator#onClose(Runnable)}):
 * <pre>
 *   ObjectName name = PercpuAllocatorJmx.register(allocator, "http");
 * </pre>
 * A name with characters an {@link ObjectName} value cannot hold as it is ({@code , = : " * ?} or a
 * line break) is quoted ({@link ObjectName#quote(String)}). {@code PercpuByteBufAllocator.DEFAULT}
 * is never closed, so its MBean stays until {@link #unregister(MBeanServer, ObjectName)}.
 */
public final class PercpuAllocatorJmx {
    /** The domain of the MBeans: {@value}. */
    public static final String DOMAIN = "dev.percpu";
    /** The {@code type} key of the MBeans: {@value}. */
    public static final String TYPE = "PercpuByteBufAllocator";

    private PercpuAllocatorJmx() {
    }

    /**
     * The ObjectName an allocator named {@code name} is registered under.
     *
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public static ObjectName objectName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("allocator name is blank");
        }
        boolean plain = name.chars().noneMatch(c -> ",=:\"*?\n\r".indexOf(c) >= 0);
        try {
            return new ObjectName(DOMAIN + ":type=" + TYPE + ",name=" + (plain ? name : ObjectName.quote(name)));
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException("allocator name " + name + " makes no valid ObjectName", e);
        }
    }

    /** {@link #register(MBeanServer, PercpuByteBufAllocator, String)} on the platform MBean server. */
    public static ObjectName register(PercpuByteBufAllocator allocator, String name) {
        return register(ManagementFactory.getPlatformMBeanServer(), allocator, name);
    }

    /**
     * Registers the MBean of {@code allocator} under {@link #objectName(String) objectName(name)} on
     * {@code server}; it is unregistered when the allocator closes (at once if it is closed already).
     *
     * @return the ObjectName registered
     * @throws IllegalArgumentException if {@code name} is blank or an MBean is registered under
     *         that name already (allocator names must be unique per server)
     * @throws NullPointerException if an argument is null
     */
    public static ObjectName register(MBeanServer server, PercpuByteBufAllocator allocator, String name) {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(allocator, "allocator");
        ObjectName objectName = objectName(name);
        try {
            server.registerMBean(new PercpuAllocatorView(allocator, name), objectName);
        } catch (InstanceAlreadyExistsException e) {
            throw new IllegalArgumentException("an MBean is registered as " + objectName
                + " already: give each allocator its own name", e);
        } catch (MBeanRegistrationException | NotCompliantMBeanException e) {
            throw new IllegalStateException("cannot register " + objectName, e);
        }
        allocator.onClose(() -> unregister(server, objectName));
        return objectName;
    }

    /**
     * Unregisters {@code objectName} from {@code server} if it is registered there.
     *
     * @return whether it was registered
     */
    public static boolean unregister(MBeanServer server, ObjectName objectName) {
        try {
            server.unregisterMBean(objectName);
            return true;
        } catch (InstanceNotFoundException e) {
            return false;
        } catch (MBeanRegistrationException e) {
            throw new IllegalStateException("cannot unregister " + objectName, e);
        }
    }
}
