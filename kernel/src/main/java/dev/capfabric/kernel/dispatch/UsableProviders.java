package dev.capfabric.kernel.dispatch;

import dev.capfabric.kernel.plugins.Inventory;
import dev.capfabric.kernel.plugins.ProviderSlot;
import dev.capfabric.spi.Capability;

import java.util.ArrayList;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * A capability's usable providers in preference order, as {@link Inventory#usable} gives them, for
 * every job: the order is worked out once per inventory (it changes only when plugins do), and only
 * whether each provider is usable right now is checked per call. The list is read-only.
 */
final class UsableProviders {

    private record Ranking(Inventory inventory, List<ProviderSlot> ranked) {
    }

    private final Capability capability;
    private volatile Ranking last;

    UsableProviders(Capability capability) {
        this.capability = requireNonNull(capability, "capability is null");
    }

    List<ProviderSlot> in(Inventory inventory) {
        Ranking ranking = last;
        if (ranking == null || ranking.inventory() != inventory) {
            ranking = new Ranking(inventory, inventory.ranked(capability));
            last = ranking;
        }
        List<ProviderSlot> ranked = ranking.ranked();
        if (allUsable(ranked)) {
            // the common case, and no copy: the inventory's list cannot be changed
            return ranked;
        }
        List<ProviderSlot> usable = new ArrayList<>(ranked.size());
        for (ProviderSlot slot : ranked) {
            if (slot.usable()) {
                usable.add(slot);
            }
        }
        return usable;
    }

    private static boolean allUsable(List<ProviderSlot> slots) {
        for (ProviderSlot slot : slots) {
            if (!slot.usable()) {
                return false;
            }
        }
        return true;
    }
}
