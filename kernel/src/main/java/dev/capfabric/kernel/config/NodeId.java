package dev.capfabric.kernel.config;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Node ids: one NATS subject token, so an id can never widen a subscription ({@code *}, {@code >})
 * or add a level ({@code .}).
 */
public final class NodeId {

    private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

    private NodeId() {
    }

    /** Tells whether {@code id} is a valid node id. */
    public static boolean isValid(String id) {
        return id != null && VALID.matcher(id).matches();
    }

    /**
     * Returns {@code id} if valid.
     *
     * @throws InvalidSettingsException naming the rule otherwise
     */
    public static String require(String id) {
        if (!isValid(id)) {
            throw new InvalidSettingsException("invalid node id '" + id + "': a node id must be one NATS subject token "
                    + "matching " + VALID.pattern() + " (lowercase letters, digits, '_' and '-'; no '.', '*', '>' or spaces)");
        }
        return id;
    }

    /** Turns a host name into a valid node id: lowercased, other characters replaced by '-'. */
    public static String fromHostName(String hostName) {
        String lower = hostName.toLowerCase(Locale.ROOT);
        int dot = lower.indexOf('.');
        if (dot > 0) {
            lower = lower.substring(0, dot);
        }
        String cleaned = lower.replaceAll("[^a-z0-9_-]", "-").replaceAll("^[^a-z0-9]+", "");
        if (cleaned.length() > 63) {
            cleaned = cleaned.substring(0, 63);
        }
        return cleaned.isEmpty() ? "node" : cleaned;
    }
}
