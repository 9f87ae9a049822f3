package dev.capfabric.kernel.jobs;

import dev.capfabric.kernel.dispatch.JobEvents;
import dev.capfabric.kernel.http.JobEvent;
import dev.capfabric.kernel.http.Json;
import dev.capfabric.spi.Result;
import io.nats.client.Connection;
import io.nats.client.impl.Headers;

/**
 * Publishes a running job's events on its event subject (core NATS: whoever follows the job on any node
 * hears them; nobody following costs one publish). Header {@value #EVENT} names the event; the body is
 * its JSON, as the SSE {@code data:} carries it. Partials larger than a message are left out: the result
 * holds them.
 */
final class NatsJobEvents implements JobEvents {

    static final String EVENT = "Capfabric-Event";

    private final Connection nats;
    private final String subject;
    private int partials;

    NatsJobEvents(Connection nats, String subject) {
        this.nats = nats;
        this.subject = subject;
    }

    @Override
    public void progress(double fraction, String message) {
        publish(new JobEvent.Progress(fraction, message));
    }

    @Override
    public synchronized void partial(Result piece) {
        publish(JobEvent.Partial.of(partials++, piece));
    }

    /** Publishes any event; never throws (an event lost is a follower's gap, not the job's failure). */
    void publish(Object event, String name) {
        try {
            byte[] body = Json.bytes(event);
            if (body.length > nats.getMaxPayload() - 1024) {
                return;
            }
            Headers headers = new Headers();
            headers.put(EVENT, name);
            nats.publish(subject, headers, body);
        } catch (RuntimeException e) {
            // the link is down: followers poll the state meanwhile
        }
    }

    private void publish(JobEvent event) {
        publish(event, event.name());
    }
}
