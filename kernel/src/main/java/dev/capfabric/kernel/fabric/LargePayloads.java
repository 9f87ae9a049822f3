package dev.capfabric.kernel.fabric;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.NUID;
import io.nats.client.ObjectStore;
import io.nats.client.api.ObjectMeta;
import io.nats.client.api.ObjectStoreConfiguration;
import io.nats.client.api.StorageType;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.NoSuchAlgorithmException;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * Carries payloads larger than the connection's max payload through a JetStream Object Store bucket
 * with a TTL: the sender stores the bytes and passes the object's name; whoever created an object
 * deletes it once the other side has read it, and the TTL removes what a crashed node left behind.
 * Each node creates the bucket when it joins ({@link #createBucket}), and again if a restarted server
 * lost it; the NATS server must run with JetStream for payloads above its max payload. Object Store checks each object's SHA-256 digest on reading.
 */
final class LargePayloads {

    private static final System.Logger LOG = System.getLogger(LargePayloads.class.getName());
    // object store chunks must fit the max payload with room for the chunk message's own headers
    private static final int CHUNK = 128 * 1024;
    private static final int CHUNK_ROOM = 4 * 1024;

    /** A payload could not be stored or read; the message says why, for the caller. */
    static final class StoreException extends Exception {
        StoreException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final String nodeId;
    private final FabricSettings.PayloadStoreSettings settings;
    private final Supplier<Connection> connection;
    private final NUID nuid = new NUID();
    private ObjectStore store; // guarded by this

    LargePayloads(String nodeId, FabricSettings.PayloadStoreSettings settings, Supplier<Connection> connection) {
        this.nodeId = requireNonNull(nodeId, "nodeId is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.connection = requireNonNull(connection, "connection is null");
    }

    /**
     * Creates the bucket now, when the server has JetStream and lacks it: clients in other languages
     * only open it by name (README, "The offload wire"). Without JetStream nothing changes: jobs whose
     * payloads fit the max payload run as ever, larger ones are refused saying why.
     */
    void createBucket() {
        try {
            store(false);
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            LOG.log(System.Logger.Level.INFO, "no JetStream object store ''{0}'' for payloads above the NATS max payload: {1}",
                    settings.bucket(), e.getMessage());
        }
    }

    /** Stores bytes and returns the object's name. */
    String put(String jobId, String role, byte[] bytes) throws StoreException {
        String name = nodeId + "-" + jobId.replaceAll("[^A-Za-z0-9_-]", "_") + "-" + role + "-" + nuid.next();
        Connection nats = connection.get();
        int chunk = (int) Math.max(1024, Math.min(CHUNK, nats.getMaxPayload() - CHUNK_ROOM));
        ObjectMeta meta = ObjectMeta.builder(name).chunkSize(chunk).build();
        try {
            store(false).put(meta, new ByteArrayInputStream(bytes));
        } catch (IOException | JetStreamApiException e) {
            try {
                // the server may have restarted without the bucket: create it again once
                store(true).put(meta, new ByteArrayInputStream(bytes));
            } catch (IOException | JetStreamApiException | NoSuchAlgorithmException retry) {
                throw failure("store", bytes.length, retry);
            }
        } catch (NoSuchAlgorithmException e) {
            throw failure("store", bytes.length, e);
        }
        return name;
    }

    /** Reads an object completely. */
    byte[] get(String name) throws StoreException {
        return get(name, received -> { });
    }

    /** Reads an object completely, telling {@code received} the bytes read so far after each chunk. */
    byte[] get(String name, java.util.function.LongConsumer received) throws StoreException {
        ByteArrayOutputStream out = new ByteArrayOutputStream() {
            @Override
            public synchronized void write(byte[] b, int off, int len) {
                super.write(b, off, len);
                received.accept(count);
            }
        };
        try {
            store(false).get(name, out);
            return out.toByteArray();
        } catch (IOException | JetStreamApiException | NoSuchAlgorithmException e) {
            throw failure("read object " + name + " of", -1, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure("read object " + name + " of", -1, e);
        }
    }

    /** The size of a stored object, in bytes, read from its metadata (not its content). */
    long size(String name) throws StoreException {
        try {
            io.nats.client.api.ObjectInfo info = store(false).getInfo(name);
            if (info == null) {
                throw failure("find object " + name + " of", -1, new java.io.FileNotFoundException(name));
            }
            return info.getSize();
        } catch (IOException | JetStreamApiException e) {
            throw failure("read the size of object " + name + " of", -1, e);
        }
    }

    /** Deletes an object, in the background; failures only log (the bucket's TTL removes it anyway). */
    void delete(String name) {
        Thread.ofVirtual().name("capfabric-payload-delete").start(() -> {
            try {
                store(false).delete(name);
            } catch (IOException | JetStreamApiException | RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "could not delete large payload {0}; its TTL will: {1}", name, e.getMessage());
            }
        });
    }

    private synchronized ObjectStore store(boolean recreate) throws IOException, JetStreamApiException {
        if (store != null && !recreate) {
            return store;
        }
        Connection nats = connection.get();
        try {
            nats.objectStoreManagement().getStatus(settings.bucket());
        } catch (JetStreamApiException missing) {
            nats.objectStoreManagement().create(ObjectStoreConfiguration.builder(settings.bucket())
                    .description("capfabric payloads above the NATS max payload, in transit between nodes")
                    .ttl(settings.ttl())
                    .storageType(settings.memory() ? StorageType.Memory : StorageType.File)
                    .build());
        }
        store = nats.objectStore(settings.bucket());
        return store;
    }

    private StoreException failure(String action, long bytes, Exception cause) {
        String size = bytes >= 0 ? bytes + "-byte " : "";
        return new StoreException("cannot " + action + " a " + size + "payload above the NATS max payload in JetStream object store '"
                + settings.bucket() + "' (is JetStream enabled on the NATS server?): " + cause.getMessage(), cause);
    }
}
