package com.example.shout;

import dev.capfabric.spi.Capability;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.Health;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.ProviderContext;
import dev.capfabric.spi.ProviderDescription;
import dev.capfabric.spi.ProviderFactory;
import dev.capfabric.spi.Result;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A provider of a new capability, {@code shout}: upper-cases the {@code text} of a JSON request. */
public final class ShoutFactory implements ProviderFactory {

    @Override
    public String id() {
        return "shout";
    }

    @Override
    public Capability capability() {
        return Capability.of("shout");
    }

    @Override
    public Creation create(ProviderContext context) {
        // a provider whose engine is missing returns Creation.unusable("why") instead
        return Creation.ready(new CapabilityProvider() {
            @Override
            public ProviderDescription describe() {
                return ProviderDescription.builder()
                        .accepts(List.of("application/json"))
                        .produces(List.of("application/json"))
                        .maxInputBytes(64 * 1024)
                        .concurrency(4)
                        // pure Java and brief: jobs may run on the request's own virtual thread
                        .threading(ProviderDescription.Threading.VIRTUAL)
                        .build();
            }

            @Override
            public Health health() {
                return Health.ok("ready: upper-cases text in Java");
            }

            @Override
            public Result handle(Job job) throws CapabilityException {
                String text = job.parameter("text")
                        .orElseThrow(() -> CapabilityException.badInput("'text' is required"));
                return Result.json(Map.of("text", text.toUpperCase(Locale.ROOT)));
            }

            @Override
            public void close() {
            }
        });
    }
}
