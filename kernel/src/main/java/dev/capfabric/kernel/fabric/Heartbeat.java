package dev.capfabric.kernel.fabric;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.capfabric.kernel.node.NodeCaps;

/**
 * The body of {@code <prefix>.node.<id>.heartbeat}.
 *
 * @param nodeId     the sender; must equal the id in the subject
 * @param seq        counts up from 0 for each start of the sender
 * @param sentAt     when it was sent, ISO-8601, by the sender's clock
 * @param intervalMs the sender's heartbeat interval: its statuses are judged by it
 * @param digest     identifies the sender's capabilities; a receiver whose copy differs asks for them
 * @param draining   the sender is finishing its jobs and takes no new ones
 * @param load       the sender's load
 * @param caps       the sender's full capabilities, present when they changed since its last heartbeat
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Heartbeat(String nodeId,
                        long seq,
                        String sentAt,
                        long intervalMs,
                        String digest,
                        boolean draining,
                        FabricLoad load,
                        NodeCaps caps) {
}
