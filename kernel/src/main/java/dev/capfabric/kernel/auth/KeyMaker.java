package dev.capfabric.kernel.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * Makes new API keys: 256 random bits from {@link SecureRandom}, URL-safe Base64 behind a {@code cf_}
 * prefix (so a key is recognisable in a leak scan), and hashes presented keys the same way the keys
 * file stores them.
 */
public final class KeyMaker {

    /** A new key and the keys-file entry that accepts it. */
    public record NewKey(String key, ApiKey entry) {
        @Override
        public String toString() {
            return "NewKey[" + entry + "]";
        }
    }

    private final SecureRandom random;

    public KeyMaker(SecureRandom random) {
        this.random = random;
    }

    /** Makes a key with this name and these scopes. */
    public NewKey make(String name, Set<Scope> scopes) {
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        String key = "cf_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        return new NewKey(key, new ApiKey(name, scopes, sha256(key)));
    }

    /**
     * The SHA-256 of a key. A fast hash is enough: keys carry 256 random bits, so there is no
     * dictionary to slow down, unlike passwords.
     */
    public static byte[] sha256(String key) {
        try {
            // a clone of a ready instance: looking the algorithm up among the providers costs more than the hash
            return ((MessageDigest) SHA_256.clone()).digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digests of this runtime cannot be cloned", e);
        }
    }

    private static final MessageDigest SHA_256 = sha256Instance();

    private static MessageDigest sha256Instance() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
