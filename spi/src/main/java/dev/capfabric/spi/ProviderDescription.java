package dev.capfabric.spi;

import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * What a provider can do, as shown on {@code /caps} and used for routing: jobs naming a model or
 * language are sent only to providers that list it (an empty list means "any" or "not
 * applicable").
 *
 * @param models        models the provider can run
 * @param languages     languages it accepts, as BCP 47 tags or the engine's own codes
 * @param voices        voices it can speak with (tts)
 * @param accepts       media types it accepts as input
 * @param produces      media types it produces
 * @param maxInputBytes the largest input it takes; the kernel answers 413 above it
 * @param concurrency   how many jobs it can run at once on this node; the kernel runs at most this many
 * @param artifacts     files on disk it found and uses
 * @param extra         anything else worth showing, JSON-compatible values only
 */
public record ProviderDescription(List<String> models,
                                  List<String> languages,
                                  List<String> voices,
                                  List<String> accepts,
                                  List<String> produces,
                                  long maxInputBytes,
                                  int concurrency,
                                  List<Artifact> artifacts,
                                  Map<String, Object> extra) {

    public ProviderDescription {
        models = List.copyOf(requireNonNull(models, "models is null"));
        languages = List.copyOf(requireNonNull(languages, "languages is null"));
        voices = List.copyOf(requireNonNull(voices, "voices is null"));
        accepts = List.copyOf(requireNonNull(accepts, "accepts is null"));
        produces = List.copyOf(requireNonNull(produces, "produces is null"));
        artifacts = List.copyOf(requireNonNull(artifacts, "artifacts is null"));
        extra = Map.copyOf(requireNonNull(extra, "extra is null"));
        if (maxInputBytes <= 0) {
            throw new IllegalArgumentException("maxInputBytes must be positive: " + maxInputBytes);
        }
        if (concurrency <= 0) {
            throw new IllegalArgumentException("concurrency must be positive: " + concurrency);
        }
    }

    /** A builder starting from: no models, languages or voices; any input; 1 job at a time; 16 MiB. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link ProviderDescription}. */
    public static final class Builder {
        private List<String> models = List.of();
        private List<String> languages = List.of();
        private List<String> voices = List.of();
        private List<String> accepts = List.of();
        private List<String> produces = List.of();
        private long maxInputBytes = 16L << 20;
        private int concurrency = 1;
        private List<Artifact> artifacts = List.of();
        private Map<String, Object> extra = Map.of();

        private Builder() {
        }

        public Builder models(List<String> models) {
            this.models = models;
            return this;
        }

        public Builder languages(List<String> languages) {
            this.languages = languages;
            return this;
        }

        public Builder voices(List<String> voices) {
            this.voices = voices;
            return this;
        }

        public Builder accepts(List<String> accepts) {
            this.accepts = accepts;
            return this;
        }

        public Builder produces(List<String> produces) {
            this.produces = produces;
            return this;
        }

        public Builder maxInputBytes(long maxInputBytes) {
            this.maxInputBytes = maxInputBytes;
            return this;
        }

        public Builder concurrency(int concurrency) {
            this.concurrency = concurrency;
            return this;
        }

        public Builder artifacts(List<Artifact> artifacts) {
            this.artifacts = artifacts;
            return this;
        }

        public Builder extra(Map<String, Object> extra) {
            this.extra = extra;
            return this;
        }

        public ProviderDescription build() {
            return new ProviderDescription(models, languages, voices, accepts, produces,
                    maxInputBytes, concurrency, artifacts, extra);
        }
    }
}
