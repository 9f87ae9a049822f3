package dev.capfabric.smoke;

import dev.capfabric.spi.Capability;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.Health;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.ProviderContext;
import dev.capfabric.spi.ProviderDescription;
import dev.capfabric.spi.ProviderFactory;
import dev.capfabric.spi.Result;

import java.util.List;

/**
 * Serves the {@code smoke-echo} capability: a job's input comes back unchanged. Its only purpose is to
 * show that a plugin dropped into a running installation is picked up.
 */
public final class EchoFactory implements ProviderFactory {

    @Override
    public String id() {
        return "smoke-echo";
    }

    @Override
    public Capability capability() {
        return Capability.of("smoke-echo");
    }

    @Override
    public Creation create(ProviderContext context) {
        return Creation.ready(new CapabilityProvider() {
            @Override
            public ProviderDescription describe() {
                return ProviderDescription.builder().accepts(List.of("*/*")).produces(List.of("*/*")).build();
            }

            @Override
            public Health health() {
                return Health.ok();
            }

            @Override
            public Result handle(Job job) {
                return Result.of(job.input());
            }

            @Override
            public void close() {
            }
        });
    }
}
