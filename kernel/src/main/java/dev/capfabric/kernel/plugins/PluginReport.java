package dev.capfabric.kernel.plugins;

import java.util.List;

/**
 * One plugin as shown on {@code /caps}.
 *
 * @param name    the jar name without {@code .jar}, or the folder name
 * @param file    the jar or folder in the plugins folder
 * @param modules the modules its layer defines
 * @param status  {@code loaded} or {@code failed}
 * @param error   why it failed, or null
 */
public record PluginReport(String name, String file, List<String> modules, String status, String error) {
}
