package dev.capfabric.kernel.http;

import io.helidon.common.mapper.MapperManager;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertSame;

class GlobalMappersTest {

    @Test
    void pinnedGlobalMapperManagerIsOneInstance() {
        GlobalMappers.pin();
        assertSame(MapperManager.global(), MapperManager.global(), "every request would otherwise build a mapper manager");
        assertDoesNotThrow(GlobalMappers::pin, "pinning again is harmless");
        assertSame(MapperManager.global(), MapperManager.global());
    }
}
