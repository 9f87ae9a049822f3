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
 * @param threading     which kind of thread its {@code handle} is fit to run on
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
                                  Threading threading,
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
        requireNonNull(threading, "threading is null");
        if (maxInputBytes <= 0) {
            throw new IllegalArgumentException("maxInputBytes must be positive: " + maxInputBytes);
        }
        if (concurrency <= 0) {
            throw new IllegalArgumentException("concurrency must be positive: " + concurrency);
        }
    }

    /**
     * Which kind of thread a provider's {@link CapabilityProvider#handle} is fit to run on. Either way
     * the kernel runs at most {@link #concurrency()} jobs of the provider at once.
     */
    public enum Threading {
        /**
         * It may block in native code or compute for long (an in-process engine): the kernel calls it
         * on a platform worker thread of its own, never on a virtual thread's carrier. The default.
         */
        PLATFORM,
        /**
         * It waits only in Java (sockets, files, locks: a remote backend's HTTP API) and computes
         * briefly: the kernel may call it on the request's own virtual thread, which spares handing
         * the job to a worker and back. Declaring this for a provider that blocks in native code or
         * computes for long takes carrier threads from every other request on the node.
         */
        VIRTUAL
    }

    /** A builder starting from: no models, languages or voices; any input; 1 job at a time on platform threads; 16 MiB. */
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
        private Threading threading = Threading.PLATFORM;
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

        public Builder threading(Threading threading) {
            this.threading = threading;
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
                    maxInputBytes, concurrency, threading, artifacts, extra);
        }
    }
}
