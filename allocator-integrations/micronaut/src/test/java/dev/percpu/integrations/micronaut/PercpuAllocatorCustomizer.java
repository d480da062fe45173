package dev.percpu.integrations.micronaut;

import dev.percpu.netty.PercpuByteBufAllocator;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.http.server.netty.NettyServerCustomizer;
import io.netty.channel.Channel;
import jakarta.inject.Singleton;

/**
 * The Micronaut recipe: when the Netty server's customizer registry is created, registers a
 * customizer that gives every accepted connection the application's {@link PercpuByteBufAllocator}
 * bean, before the connection reads anything.
 */
// snippet
@Singleton
final class PercpuAllocatorCustomizer implements BeanCreatedEventListener<NettyServerCustomizer.Registry> {
    private final PercpuByteBufAllocator allocator;

    PercpuAllocatorCustomizer(PercpuByteBufAllocator allocator) {
        this.allocator = allocator;
    }

    @Override
    public NettyServerCustomizer.Registry onCreated(BeanCreatedEvent<NettyServerCustomizer.Registry> event) {
        NettyServerCustomizer.Registry registry = event.getBean();
        registry.register(new NettyServerCustomizer() {
            @Override
            public NettyServerCustomizer specializeForChannel(Channel channel, ChannelRole role) {
                if (role == ChannelRole.CONNECTION) {
                    channel.config().setAllocator(allocator);
                }
                return this;
            }
        });
        return registry;
    }
}
// end
