package org.layerskip.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CountDownLatch;

/**
 * Waits for SIGTERM or SIGINT (Ctrl-C), then stops a server gracefully ({@link
 * LayerSkipServer#shutdown()}: stop accepting, let in-flight requests finish within the grace
 * period, cancel the rest), so that the process can exit 0. The JVM's default reaction to SIGTERM
 * would run shutdown hooks and exit 143; catching the signal (the JDK's {@code sun.misc.Signal},
 * the only way to do so in Java 17) is what lets a service manager see a clean stop.
 */
public final class ShutdownSignals {

    private static final Logger LOG = LoggerFactory.getLogger(ShutdownSignals.class);

    private ShutdownSignals() {}

    /**
     * Blocks until SIGTERM or SIGINT, then shuts the server down.
     *
     * @param server the running server
     * @return whether every in-flight request finished within the grace period
     * @throws InterruptedException if the waiting thread is interrupted
     */
    @SuppressWarnings("restriction")
    public static boolean awaitAndShutdown(LayerSkipServer server) throws InterruptedException {
        CountDownLatch signalled = new CountDownLatch(1);
        for (String name : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(
                    new sun.misc.Signal(name),
                    s -> {
                        LOG.warn(
                                "SIG{}: stopping (grace {} s)",
                                s.getName(),
                                server.grace().toSeconds());
                        signalled.countDown();
                    });
        }
        signalled.await();
        return server.shutdown();
    }
}
