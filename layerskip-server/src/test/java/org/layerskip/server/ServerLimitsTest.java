package org.layerskip.server;

import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A full queue is a 429 with Retry-After; a model without a chat template refuses chat clearly; a
 * graceful shutdown lets in-flight streams finish and refuses new work.
 */
public class ServerLimitsTest {

    private ServedModel model;

    @BeforeClass
    public void load() throws Exception {
        model = TestModels.load(TestModels.bundled());
    }

    @AfterClass(alwaysRun = true)
    public void close() {
        if (model != null) {
            model.close();
        }
    }

    private static final String LONG =
            "{\"prompt\": \"def f(x):\", \"max_tokens\": 400, \"temperature\": 0, \"stream\": true,"
                    + " \"strategy\": \"autoregressive\"}";

    /** Opens a stream and returns its reader once the first event arrived. */
    private static BufferedReader openStream(String url) throws Exception {
        HttpRequest r =
                HttpRequest.newBuilder(URI.create(url + "/v1/completions"))
                        .timeout(Duration.ofSeconds(120))
                        .POST(HttpRequest.BodyPublishers.ofString(LONG))
                        .build();
        HttpResponse<InputStream> h =
                Http.CLIENT.send(r, HttpResponse.BodyHandlers.ofInputStream());
        Assert.assertEquals(h.statusCode(), 200);
        BufferedReader in =
                new BufferedReader(new InputStreamReader(h.body(), StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null && !line.startsWith("data: ")) {
            // wait for the first event
        }
        return in;
    }

    private static List<String> drain(BufferedReader in) throws Exception {
        List<String> out = new ArrayList<>();
        String line;
        while ((line = in.readLine()) != null) {
            if (line.startsWith("data: ")) {
                out.add(line.substring(6));
            }
        }
        in.close();
        return out;
    }

    @Test
    public void aFullQueueGets429WithRetryAfter() throws Exception {
        try (LayerSkipServer server =
                LayerSkipServer.start(
                        model,
                        ServerConfig.builder()
                                .optMaxBatch(1)
                                .optMaxQueue(1)
                                .optMaxTokensLimit(400)
                                .build())) {
            BufferedReader running = openStream(server.url());
            CompletableFuture<Http.Reply> queued =
                    CompletableFuture.supplyAsync(
                            () -> {
                                try {
                                    return Http.post(
                                            server.url() + "/v1/completions",
                                            "{\"prompt\": \"x\", \"max_tokens\": 3}");
                                } catch (Exception e) {
                                    throw new IllegalStateException(e);
                                }
                            });
            long until = System.currentTimeMillis() + 10_000;
            while (server.stats().waiting() < 1 && System.currentTimeMillis() < until) {
                Thread.sleep(2);
            }
            Assert.assertEquals(server.stats().waiting(), 1);
            Http.Reply rejected =
                    Http.post(
                            server.url() + "/v1/completions",
                            "{\"prompt\": \"y\", \"max_tokens\": 3}");
            Assert.assertEquals(rejected.status(), 429, rejected.body());
            Assert.assertTrue(rejected.raw().headers().firstValue("Retry-After").isPresent());
            Assert.assertEquals(rejected.error().get("code").getAsString(), "queue_full");
            running.close(); // the running stream goes away; the queued request gets its row
            Http.Reply later = queued.get(60, TimeUnit.SECONDS);
            Assert.assertEquals(later.status(), 200, later.body());
            String metrics = Http.get(server.url() + "/metrics").body();
            Assert.assertEquals(
                    ServerApiTest.value(
                            metrics, "layerskip_http_requests_total{outcome=\"rejected\"}"),
                    1.0);
        }
    }

    @Test
    public void chatWithoutATemplateIsAClearError() throws Exception {
        try (LayerSkipServer server =
                LayerSkipServer.start(model, ServerConfig.builder().build())) {
            Http.Reply r =
                    Http.post(
                            server.url() + "/v1/chat/completions",
                            "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
            Assert.assertEquals(r.status(), 400, r.body());
            Assert.assertTrue(
                    r.error().get("message").getAsString().contains("no chat template"), r.body());
            Assert.assertEquals(
                    Http.post(
                                    server.url() + "/v1/completions",
                                    "{\"prompt\": \"x\", \"max_tokens\": 2}")
                            .status(),
                    200);
        }
    }

    @Test
    public void shutdownFinishesInFlightStreamsAndRefusesNewWork() throws Exception {
        LayerSkipServer server =
                LayerSkipServer.start(model, ServerConfig.builder().optMaxTokensLimit(400).build());
        BufferedReader stream = openStream(server.url());
        CompletableFuture<List<String>> rest =
                CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return drain(stream);
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        });
        CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(server::shutdown);
        long until = System.currentTimeMillis() + 10_000;
        Http.Reply health = null;
        while (System.currentTimeMillis() < until) {
            health = Http.get(server.url() + "/health");
            if (health.status() == 503) {
                break;
            }
            Thread.sleep(2);
        }
        Assert.assertEquals(health.status(), 503, "health must report the shutdown");
        Http.Reply refused =
                Http.post(
                        server.url() + "/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 2}");
        Assert.assertEquals(refused.status(), 503, refused.body());
        Assert.assertTrue(
                stopped.get(60, TimeUnit.SECONDS),
                "the in-flight stream should finish within the grace");
        List<String> events = rest.get(10, TimeUnit.SECONDS);
        Assert.assertEquals(events.get(events.size() - 1), "[DONE]");
        Assert.assertTrue(
                events.get(events.size() - 2).contains("finish_reason\":\""),
                events.get(events.size() - 2));
    }
}
