package dev.capfabric.kernel.auth;

import java.util.Comparator;
import java.util.HexFormat;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * One API key as the keys file holds it: a name (the key id shown in logs and audit lines), its
 * scopes and the SHA-256 of the key. The key itself is never stored.
 *
 * <p>One line of the keys file: {@code <name> <scope>[,<scope>...] sha256:<64 hex digits>}.
 *
 * @param name   the key's id: letters, digits, {@code . _ -}, at most 64
 * @param scopes what it may do, never empty
 * @param sha256 the SHA-256 of the key's UTF-8 bytes (32 bytes)
 */
public record ApiKey(String name, Set<Scope> scopes, byte[] sha256) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    public ApiKey {
        requireNonNull(name, "name is null");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid key name '" + name
                    + "': letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64");
        }
        scopes = Set.copyOf(scopes);
        if (scopes.isEmpty()) {
            throw new IllegalArgumentException("key '" + name + "' has no scope");
        }
        requireNonNull(sha256, "sha256 is null");
        if (sha256.length != 32) {
            throw new IllegalArgumentException("key '" + name + "': the hash must be 32 bytes of SHA-256");
        }
        sha256 = sha256.clone();
    }

    @Override
    public byte[] sha256() {
        return sha256.clone();
    }

    /** Whether {@code hash} is this key's hash, compared in constant time (no copy of the stored hash is made). */
    public boolean matches(byte[] hash) {
        return java.security.MessageDigest.isEqual(sha256, hash);
    }

    /** Whether the key may do what {@code scope} allows. */
    public boolean allows(Scope scope) {
        return scopes.contains(scope);
    }

    /** The line that stands for this key in the keys file. */
    public String line() {
        return name + " " + scopes.stream().sorted(Comparator.naturalOrder()).map(Scope::wireName).collect(Collectors.joining(","))
                + " sha256:" + HexFormat.of().formatHex(sha256);
    }

    /**
     * Parses one line of the keys file.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static ApiKey parse(String line) {
        String[] fields = line.strip().split("\\s+");
        if (fields.length != 3) {
            throw new IllegalArgumentException("expected '<name> <scopes> sha256:<hex>', got " + fields.length + " fields");
        }
        if (!fields[2].startsWith("sha256:")) {
            throw new IllegalArgumentException("the third field must be sha256:<64 hex digits>");
        }
        byte[] hash;
        try {
            hash = HexFormat.of().parseHex(fields[2].substring("sha256:".length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the hash is not hexadecimal");
        }
        return new ApiKey(fields[0], Scope.parseList(fields[1]), hash);
    }

    @Override
    public String toString() {
        return "ApiKey[" + name + " " + scopes + "]";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ApiKey key && key.name.equals(name) && key.scopes.equals(scopes)
                && java.security.MessageDigest.isEqual(key.sha256, sha256);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }
}
