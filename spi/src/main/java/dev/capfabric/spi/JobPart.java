package dev.capfabric.spi;

import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * One piece of a job that a provider {@linkplain CapabilityProvider#split split}: a page of a document, a
 * stretch of a recording. The kernel runs each part as a job of its own, anywhere in the fleet, and hands
 * the answers back to {@link CapabilityProvider#merge}.
 *
 * <p>A part's job has the same capability, deadline and caller as the job it came from; its parameters
 * are the job's, overlaid by {@link #parameters()}, plus {@value #PARAMETER} = {@code "<index>/<count>"}
 * (index from 0, as in {@link PartResult#index()}) and, unless the job named a provider, {@code provider}
 * = the id of the provider that split it. A job carrying {@value #PARAMETER} is never split again.
 *
 * @param parameters parameters to add to (or replace in) the job's for this part; never null
 * @param input      what this part's job reads: a page as an image, a stretch of audio as a WAV file
 */
public record JobPart(Map<String, String> parameters, Payload input) {

    /**
     * The parameter that marks a part's job, {@code "<index>/<count>"}: reserved; the kernel sets it, and a
     * job that arrives with it (from a caller too) runs whole.
     */
    public static final String PARAMETER = "part";

    public JobPart {
        parameters = Map.copyOf(requireNonNull(parameters, "parameters is null"));
        requireNonNull(input, "input is null");
        if (parameters.containsKey(PARAMETER)) {
            throw new IllegalArgumentException("parameter '" + PARAMETER + "' is reserved for the kernel");
        }
    }

    /** A part with its own input and the job's parameters as they are. */
    public static JobPart of(Payload input) {
        return new JobPart(Map.of(), input);
    }

    /** Whether {@code job} is itself a part of a split job (and so must run whole). */
    public static boolean isPart(Job job) {
        return job.parameter(PARAMETER).isPresent();
    }

    /** The index of the part {@code job} is, from 0, when it is one and says so readably. */
    public static Optional<Integer> indexOf(Job job) {
        return job.parameter(PARAMETER).flatMap(value -> {
            int slash = value.indexOf('/');
            try {
                return Optional.of(Integer.parseInt(slash < 0 ? value.strip() : value.substring(0, slash).strip()));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }
}
