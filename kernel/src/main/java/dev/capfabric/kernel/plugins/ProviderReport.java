package dev.capfabric.kernel.plugins;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/**
 * One provider as shown on {@code /caps}: usable, unavailable or disabled, with the reason.
 *
 * @param id          the provider id
 * @param capability  the capability it serves
 * @param plugin      the plugin that supplies it
 * @param status      whether it takes jobs
 * @param reason      why it does not, or its health detail
 * @param models      models it can run
 * @param languages   languages it accepts
 * @param voices      voices it speaks with
 * @param accepts     input media types
 * @param produces    output media types
 * @param maxInputBytes the largest input it takes, 0 when unknown
 * @param concurrency jobs it runs at once, 0 when unknown
 * @param extra       anything else it describes
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ProviderReport(String id,
                             String capability,
                             String plugin,
                             ProviderStatus status,
                             @JsonInclude(JsonInclude.Include.ALWAYS) String reason,
                             List<String> models,
                             List<String> languages,
                             List<String> voices,
                             List<String> accepts,
                             List<String> produces,
                             long maxInputBytes,
                             int concurrency,
                             Map<String, Object> extra) {
}
