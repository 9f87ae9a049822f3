package dev.capfabric.kernel.plugins;

/**
 * A jar of a loaded plugin, as listed on {@code /capabilities/installed}.
 *
 * @param plugin  the plugin it belongs to
 * @param file    the jar's file name
 * @param module  the module it defines, or null when it defines none
 * @param version the module or implementation version, or null when it states none
 * @param bytes   the jar's size
 * @param sha256  the jar's SHA-256, hex
 */
public record PluginJar(String plugin, String file, String module, String version, long bytes, String sha256) {
}
