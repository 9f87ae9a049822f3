package dev.capfabric.plugin.image;

import dev.capfabric.spi.Capability;
import dev.capfabric.spi.ProviderFactory;
import org.junit.jupiter.api.Test;

import java.lang.module.ModuleDescriptor;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PluginModuleTest {

    @Test
    void moduleProvidesBothFactoriesToTheKernel() {
        ModuleDescriptor descriptor = OpenAiImagesFactory.class.getModule().getDescriptor();

        assertEquals("capfabric.plugin.image", descriptor.name());
        ModuleDescriptor.Provides provides = descriptor.provides().stream()
                .filter(p -> p.service().equals(ProviderFactory.class.getName()))
                .findFirst().orElseThrow();
        assertEquals(List.of(OpenAiImagesFactory.class.getName(), A1111Factory.class.getName()), provides.providers());
        assertTrue(descriptor.exports().isEmpty(), "the plugin exports nothing: " + descriptor.exports());
    }

    @Test
    void factoriesServeTheImageCapabilityUnderDistinctIds() {
        assertEquals("openai-images", new OpenAiImagesFactory().id());
        assertEquals("a1111", new A1111Factory().id());
        assertEquals(Capability.IMAGE, new OpenAiImagesFactory().capability());
        assertEquals(Capability.IMAGE, new A1111Factory().capability());
        assertTrue(Capability.isValid(new OpenAiImagesFactory().id()) && Capability.isValid(new A1111Factory().id()));
    }
}
