package dev.capfabric.kernel.fabric.identity;

import java.util.ArrayList;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * One JetStream asset of the fabric (an Object Store bucket, a Key-Value bucket or a plain stream)
 * and what the NATS subjects are that reading or writing it takes, so that generated permissions can
 * grant exactly the fabric's own assets and no others: JetStream's API subjects name the stream
 * ({@code $JS.API.STREAM.INFO.<stream>}), and NATS wildcards match whole tokens only, so each asset is
 * granted by its exact name.
 *
 * <p>Readers may look the asset up, read messages and make consumers of it; writers may also create,
 * update and purge it and publish into it. Nobody but the operator may delete a stream.
 *
 * @param kind      what it is
 * @param name      the bucket's (or stream's) name
 * @param subjects  a plain stream's subjects (what writers publish to); ignored for buckets
 * @param nodes     what node identities may do with it (the operator and admin identities may write)
 */
public record FabricStore(Kind kind, String name, List<String> subjects, Access nodes) {

    /** The kinds of JetStream asset, each with its stream's name and data subjects. */
    public enum Kind {
        OBJECT_STORE, KEY_VALUE, STREAM
    }

    /** What an identity may do with an asset. */
    public enum Access {
        READ, READ_WRITE
    }

    /**
     * The fabric's JetStream assets under their default names, and what nodes may do with them, all
     * written by every node: the payload bucket (job inputs and results above the NATS max payload, and
     * plugin jars a rollout hands out), and the durable jobs' work-queue stream {@value #JOBS_STREAM}
     * (subjects {@code <prefix>.jobs.run.>}), state bucket {@value #JOBS_STATES} and data bucket
     * {@value #JOBS_DATA}. A feature that adds a bucket or stream adds it here (and to the generated
     * configuration's test), or nodes under the generated permissions cannot use it.
     */
    public static List<FabricStore> defaults(String prefix, String payloadsBucket) {
        return List.of(
                new FabricStore(Kind.OBJECT_STORE, payloadsBucket, List.of(), Access.READ_WRITE),
                new FabricStore(Kind.STREAM, JOBS_STREAM, List.of(prefix + ".jobs.run.>"), Access.READ_WRITE),
                new FabricStore(Kind.KEY_VALUE, JOBS_STATES, List.of(), Access.READ_WRITE),
                new FabricStore(Kind.OBJECT_STORE, JOBS_DATA, List.of(), Access.READ_WRITE));
    }

    /** The durable jobs' work-queue stream (capfabric.jobs.stream's default). */
    public static final String JOBS_STREAM = "CAPFABRIC_JOBS";
    /** The durable jobs' state bucket (capfabric.jobs.state-bucket's default). */
    public static final String JOBS_STATES = "capfabric-jobs";
    /** The durable jobs' data bucket (capfabric.jobs.data-bucket's default). */
    public static final String JOBS_DATA = "capfabric-job-data";

    public FabricStore {
        requireNonNull(kind, "kind is null");
        if (name == null || !name.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new IllegalArgumentException("invalid JetStream name '" + name + "': letters, digits, '_' and '-' only");
        }
        subjects = List.copyOf(subjects);
        requireNonNull(nodes, "nodes is null");
    }

    /** The stream that holds the asset ({@code OBJ_<bucket>}, {@code KV_<bucket>} or the stream itself). */
    public String stream() {
        return switch (kind) {
            case OBJECT_STORE -> "OBJ_" + name;
            case KEY_VALUE -> "KV_" + name;
            case STREAM -> name;
        };
    }

    /** What reading it takes: look-ups, direct and stored message reads, consumers, acks and flow control. */
    public List<String> readSubjects() {
        String stream = stream();
        return List.of(
                "$JS.API.STREAM.INFO." + stream,
                "$JS.API.STREAM.MSG.GET." + stream,
                "$JS.API.DIRECT.GET." + stream,
                "$JS.API.DIRECT.GET." + stream + ".>",
                "$JS.API.CONSUMER.CREATE." + stream,
                "$JS.API.CONSUMER.CREATE." + stream + ".>",
                "$JS.API.CONSUMER.DURABLE.CREATE." + stream + ".*",
                "$JS.API.CONSUMER.INFO." + stream + ".*",
                "$JS.API.CONSUMER.DELETE." + stream + ".*",
                "$JS.API.CONSUMER.MSG.NEXT." + stream + ".*",
                "$JS.API.CONSUMER.NAMES." + stream,
                "$JS.API.CONSUMER.LIST." + stream,
                "$JS.ACK." + stream + ".>",
                "$JS.FC." + stream + ".>");
    }

    /** What writing it takes on top of reading: creating, updating and purging the stream, and its data subjects. */
    public List<String> writeSubjects() {
        String stream = stream();
        List<String> write = new ArrayList<>(List.of(
                "$JS.API.STREAM.CREATE." + stream,
                "$JS.API.STREAM.UPDATE." + stream,
                "$JS.API.STREAM.PURGE." + stream,
                "$JS.API.STREAM.MSG.DELETE." + stream));
        switch (kind) {
            case OBJECT_STORE -> write.add("$O." + name + ".>");
            case KEY_VALUE -> write.add("$KV." + name + ".>");
            case STREAM -> write.addAll(subjects);
        }
        return write;
    }

    /** The subjects an identity with {@code access} may publish for this asset. */
    public List<String> publish(Access access) {
        List<String> all = new ArrayList<>(readSubjects());
        if (access == Access.READ_WRITE) {
            all.addAll(writeSubjects());
        }
        return all;
    }

    /** What every JetStream user needs besides its assets: the account's JetStream info and stream names. */
    public static List<String> common() {
        return List.of("$JS.API.INFO", "$JS.API.STREAM.NAMES");
    }
}
