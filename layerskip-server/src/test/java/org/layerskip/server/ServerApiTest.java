package org.layerskip.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.translate.TextGenerationTranslator;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The server over raw HTTP: 16 concurrent greedy requests each equal to their sequential
 * generation, streaming in OpenAI's chunk format, stop strings, the LayerSkip extensions, the
 * informational endpoints, and every kind of bad input answered with a 4xx error object.
 */
public class ServerApiTest {

    private static final String[] PROMPTS = {
        "def fibonacci(n):",
        "import os\n",
        "class Stack:\n    def __init__(self):",
        "for i in range(",
        "# Copyright",
        "def main():\n    parser = ",
        "return self.",
        "if __name__ == '__main__':",
        "x = [",
        "try:\n    import",
        "def __repr__(self):",
        "while True:\n",
        "with open(",
        "\"\"\"Utilities",
        "raise ValueError(",
        "lambda x:"
    };

    private ServedModel model;
    private LayerSkipServer server;
    private String url;

    @BeforeClass
    public void start() throws Exception {
        model = TestModels.load(TestModels.withChatTemplate());
        server =
                LayerSkipServer.start(
                        model,
                        ServerConfig.builder()
                                .optMaxBatch(8)
                                .optMaxQueue(16)
                                .optMaxTokensLimit(96)
                                .optMaxBodyBytes(64 * 1024)
                                .build());
        url = server.url();
    }

    @AfterClass(alwaysRun = true)
    public void stop() {
        if (server != null) {
            server.close();
        }
        if (model != null) {
            model.close();
        }
    }

    private static String completion(String prompt, int maxTokens, String extra) {
        JsonObject o = new JsonObject();
        o.addProperty("model", "tiny");
        o.addProperty("prompt", prompt);
        o.addProperty("max_tokens", maxTokens);
        o.addProperty("temperature", 0);
        String s = o.toString();
        return extra == null ? s : s.substring(0, s.length() - 1) + "," + extra + "}";
    }

    private GenerationResult generate(String prompt, int maxTokens, DecodingStrategy s) {
        GenerationOptions o =
                GenerationOptions.builder().optStrategy(s).optMaxNewTokens(maxTokens).build();
        return model.generator().generate(model.tokenizer().encode(prompt), o, null);
    }

    private static long[] ids(JsonObject response) {
        JsonArray a = response.getAsJsonObject("layerskip").getAsJsonArray("token_ids");
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }

    @Test
    public void sixteenConcurrentGreedyRequestsEqualTheirSequentialGeneration() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Http.Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                int max = 8 + (i * 5) % 40;
                String strategy = i % 4 == 3 ? ",\"strategy\":\"autoregressive\"" : null;
                String body =
                        completion(
                                PROMPTS[i], max, strategy == null ? null : strategy.substring(1));
                replies.add(pool.submit(() -> Http.post(url + "/v1/completions", body)));
            }
            for (int i = 0; i < 16; i++) {
                Http.Reply r = replies.get(i).get(120, TimeUnit.SECONDS);
                Assert.assertEquals(r.status(), 200, r.body());
                JsonObject o = r.json();
                int max = 8 + (i * 5) % 40;
                DecodingStrategy s =
                        i % 4 == 3
                                ? DecodingStrategy.AUTOREGRESSIVE
                                : DecodingStrategy.SELF_SPECULATIVE;
                GenerationResult e = generate(PROMPTS[i], max, s);
                Assert.assertEquals(ids(o), e.tokenIds(), "request " + i + " '" + PROMPTS[i] + "'");
                JsonObject choice = o.getAsJsonArray("choices").get(0).getAsJsonObject();
                Assert.assertEquals(
                        choice.get("text").getAsString(),
                        TextGenerationTranslator.decodeKnown(model.tokenizer(), e.tokenIds()));
                Assert.assertEquals(
                        choice.get("finish_reason").getAsString(),
                        e.numGenerated() == max ? "length" : "stop");
                JsonObject usage = o.getAsJsonObject("usage");
                Assert.assertEquals(usage.get("prompt_tokens").getAsInt(), e.promptTokens());
                Assert.assertEquals(usage.get("completion_tokens").getAsInt(), e.numGenerated());
                Assert.assertEquals(
                        usage.get("total_tokens").getAsInt(), e.promptTokens() + e.numGenerated());
                Assert.assertEquals(o.get("object").getAsString(), "text_completion");
                JsonObject ls = o.getAsJsonObject("layerskip");
                Assert.assertEquals(ls.get("strategy").getAsString(), s.cliName());
                if (s == DecodingStrategy.SELF_SPECULATIVE) {
                    Assert.assertEquals(ls.get("accepted").getAsLong(), e.speculation().accepted());
                    Assert.assertEquals(ls.get("drafted").getAsLong(), e.speculation().drafted());
                    Assert.assertEquals(
                            ls.get("acceptance_rate").getAsDouble(),
                            e.speculation().acceptanceRate(),
                            1e-12);
                    Assert.assertTrue(ls.has("tokens_per_verification"));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        Assert.assertTrue(
                server.stats().meanOccupancy() > 1, "requests were batched: " + server.stats());
    }

    @Test
    public void streamingUsesOpenAiChunksAndMarksAcceptedDrafts() throws Exception {
        String body =
                completion(
                        PROMPTS[0],
                        40,
                        "\"stream\": true, \"stream_options\": {\"include_usage\": true}");
        List<String> events = Http.events(url + "/v1/completions", body);
        Assert.assertEquals(events.get(events.size() - 1), "[DONE]");
        StringBuilder text = new StringBuilder();
        List<Long> ids = new ArrayList<>();
        List<String> kinds = new ArrayList<>();
        String finish = null;
        JsonObject usage = null;
        for (String e : events.subList(0, events.size() - 1)) {
            JsonObject c = Http.parse(e);
            Assert.assertEquals(c.get("object").getAsString(), "text_completion");
            JsonArray choices = c.getAsJsonArray("choices");
            if (choices.size() == 0) {
                usage = c.getAsJsonObject("usage");
                continue;
            }
            JsonObject choice = choices.get(0).getAsJsonObject();
            text.append(choice.get("text").getAsString());
            if (!choice.get("finish_reason").isJsonNull()) {
                finish = choice.get("finish_reason").getAsString();
            }
            if (c.has("layerskip")) {
                for (JsonElement t : c.getAsJsonObject("layerskip").getAsJsonArray("tokens")) {
                    ids.add(t.getAsJsonObject().get("id").getAsLong());
                    kinds.add(t.getAsJsonObject().get("kind").getAsString());
                }
            }
        }
        GenerationResult e = generate(PROMPTS[0], 40, DecodingStrategy.SELF_SPECULATIVE);
        Assert.assertEquals(
                text.toString(),
                TextGenerationTranslator.decodeKnown(model.tokenizer(), e.tokenIds()));
        Assert.assertEquals(ids.size(), e.numGenerated());
        for (int i = 0; i < ids.size(); i++) {
            Assert.assertEquals((long) ids.get(i), e.tokenIds()[i]);
        }
        Assert.assertTrue(
                kinds.contains("accepted") && kinds.contains("verified"), kinds.toString());
        Assert.assertEquals(finish, e.numGenerated() == 40 ? "length" : "stop");
        Assert.assertNotNull(usage);
        Assert.assertEquals(usage.get("completion_tokens").getAsInt(), e.numGenerated());
    }

    @Test
    public void chatStreamingStartsWithTheRoleAndEndsWithFinish() throws Exception {
        String body =
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hello\"}]}],"
                        + "\"max_tokens\":12,\"temperature\":0,\"stream\":true}";
        List<String> events = Http.events(url + "/v1/chat/completions", body);
        JsonObject first = Http.parse(events.get(0));
        Assert.assertEquals(first.get("object").getAsString(), "chat.completion.chunk");
        Assert.assertEquals(
                first.getAsJsonArray("choices")
                        .get(0)
                        .getAsJsonObject()
                        .getAsJsonObject("delta")
                        .get("role")
                        .getAsString(),
                "assistant");
        JsonObject last = Http.parse(events.get(events.size() - 2));
        Assert.assertFalse(
                last.getAsJsonArray("choices")
                        .get(0)
                        .getAsJsonObject()
                        .get("finish_reason")
                        .isJsonNull());
        Assert.assertEquals(events.get(events.size() - 1), "[DONE]");
    }

    @Test
    public void stopStringsCutTheTextAndEndTheRequest() throws Exception {
        GenerationResult free = generate(PROMPTS[2], 60, DecodingStrategy.SELF_SPECULATIVE);
        String all = TextGenerationTranslator.decodeKnown(model.tokenizer(), free.tokenIds());
        Assert.assertTrue(all.length() > 12, all);
        String stop = all.substring(6, 9);
        String expected = all.substring(0, all.indexOf(stop));
        for (boolean stream : new boolean[] {false, true}) {
            String body =
                    completion(
                            PROMPTS[2],
                            60,
                            "\"stop\": [\"\\u0000never\", "
                                    + new com.google.gson.JsonPrimitive(stop)
                                    + "]"
                                    + (stream ? ", \"stream\": true" : ""));
            String text;
            String finish;
            if (stream) {
                StringBuilder sb = new StringBuilder();
                String f = null;
                List<String> events = Http.events(url + "/v1/completions", body);
                for (String e : events.subList(0, events.size() - 1)) {
                    JsonObject choice =
                            Http.parse(e).getAsJsonArray("choices").get(0).getAsJsonObject();
                    sb.append(choice.get("text").getAsString());
                    f =
                            choice.get("finish_reason").isJsonNull()
                                    ? f
                                    : choice.get("finish_reason").getAsString();
                }
                text = sb.toString();
                finish = f;
            } else {
                Http.Reply r = Http.post(url + "/v1/completions", body);
                Assert.assertEquals(r.status(), 200, r.body());
                JsonObject choice = r.json().getAsJsonArray("choices").get(0).getAsJsonObject();
                text = choice.get("text").getAsString();
                finish = choice.get("finish_reason").getAsString();
                Assert.assertTrue(
                        r.json().getAsJsonObject("usage").get("completion_tokens").getAsInt()
                                < free.numGenerated());
            }
            Assert.assertEquals(text, expected, "stop '" + stop + "', stream " + stream);
            Assert.assertEquals(finish, "stop");
        }
    }

    @Test
    public void modelsHealthAndMetrics() throws Exception {
        Http.Reply m = Http.get(url + "/v1/models");
        Assert.assertEquals(m.status(), 200);
        Assert.assertEquals(
                m.json().getAsJsonArray("data").get(0).getAsJsonObject().get("id").getAsString(),
                model.id());
        Http.Reply h = Http.get(url + "/health");
        Assert.assertEquals(h.status(), 200);
        Assert.assertEquals(h.json().get("status").getAsString(), "ok");
        Http.post(url + "/v1/completions", completion("x = ", 5, null));
        Http.Reply metrics = Http.get(url + "/metrics");
        Assert.assertEquals(metrics.status(), 200);
        for (String name :
                new String[] {
                    "layerskip_http_requests_total{outcome=\"ok\"}",
                    "layerskip_completion_tokens_total",
                    "layerskip_queue_length",
                    "layerskip_batch_occupancy_mean",
                    "layerskip_acceptance_rate",
                    "layerskip_running_requests"
                }) {
            Assert.assertTrue(
                    metrics.body().contains("\n" + name + " "),
                    name + " missing:\n" + metrics.body());
        }
        Assert.assertTrue(value(metrics.body(), "layerskip_completion_tokens_total") >= 5);
    }

    static double value(String metrics, String name) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1));
            }
        }
        throw new AssertionError(name + " not found");
    }

    /** Every bad request gets a 4xx with an OpenAI error object; the server keeps serving. */
    @Test
    public void badInputGetsOpenAiErrors() throws Exception {
        String c = url + "/v1/completions";
        String chat = url + "/v1/chat/completions";
        assertError(Http.post(c, "{\"prompt\": \"x\", "), 400, null);
        assertError(Http.post(c, "[1, 2]"), 400, null);
        assertError(Http.post(c, "{prompt: 'x'}"), 400, null);
        assertError(Http.post(c, "{\"prompt\": \"x\"} trailing"), 400, null);
        assertError(Http.post(c, "{\"prompt\": 5}"), 400, "prompt");
        assertError(Http.post(c, "{}"), 400, "prompt");
        assertError(
                Http.post(c, "{\"prompt\": \"x\", \"max_tokens\": \"ten\"}"), 400, "max_tokens");
        assertError(Http.post(c, "{\"prompt\": \"x\", \"max_tokens\": 2.5}"), 400, "max_tokens");
        assertError(Http.post(c, "{\"prompt\": \"x\", \"max_tokens\": 0}"), 400, "max_tokens");
        assertError(
                Http.post(c, "{\"prompt\": \"x\", \"temperature\": \"hot\"}"), 400, "temperature");
        assertError(Http.post(c, "{\"prompt\": \"x\", \"temperature\": 7}"), 400, "temperature");
        assertError(Http.post(c, "{\"prompt\": \"x\", \"top_p\": 0}"), 400, "top_p");
        assertError(Http.post(c, "{\"prompt\": \"x\", \"seed\": \"s\"}"), 400, "seed");
        assertError(Http.post(c, "{\"prompt\": \"x\", \"stream\": \"yes\"}"), 400, "stream");
        assertError(Http.post(c, "{\"prompt\": \"x\", \"stop\": 3}"), 400, "stop");
        assertError(Http.post(c, "{\"prompt\": \"x\", \"stop\": [\"\"]}"), 400, "stop");
        assertError(
                Http.post(c, "{\"prompt\": \"x\", \"stop\": [\"a\",\"b\",\"c\",\"d\",\"e\"]}"),
                400,
                "stop");
        assertError(Http.post(c, "{\"prompt\": \"x\", \"user\": 12}"), 400, "user");
        assertError(Http.post(c, "{\"prompt\": \"x\", \"model\": []}"), 400, "model");
        assertError(Http.post(c, "{\"prompt\": \"x\", \"n\": 2}"), 400, "n");
        assertError(Http.post(c, "{\"prompt\": \"x\", \"logprobs\": 3}"), 400, "logprobs");
        assertError(
                Http.post(c, "{\"prompt\": \"x\", \"frequency_penalty\": 0.5}"),
                400,
                "frequency_penalty");
        assertError(
                Http.post(c, "{\"prompt\": \"x\", \"strategy\": \"fastest\"}"), 400, "strategy");
        assertError(Http.post(c, "{\"prompt\": \"x\", \"exit_layer\": 99}"), 400, null);
        assertError(Http.post(c, "{\"prompt\": \"x\", \"num_speculations\": 500}"), 400, null);
        assertError(Http.post(c, "{\"prompt\": [7, 99999]}"), 400, null);
        assertError(Http.post(c, "{\"prompt\": \"x\", \"max_tokens\": 97}"), 400, "max_tokens");
        // prompt + max_tokens beyond the 512-token context
        StringBuilder longPrompt = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            longPrompt.append("alpha beta ");
        }
        Http.Reply ctx = Http.post(c, completion(longPrompt.toString(), 96, null));
        assertError(ctx, 400, "max_tokens");
        Assert.assertEquals(ctx.error().get("code").getAsString(), "context_length_exceeded");
        assertError(Http.post(chat, "{\"messages\": []}"), 400, "messages");
        assertError(Http.post(chat, "{\"messages\": \"hi\"}"), 400, "messages");
        assertError(
                Http.post(chat, "{\"messages\": [{\"role\": \"wizard\", \"content\": \"x\"}]}"),
                400,
                "messages[0].role");
        assertError(
                Http.post(chat, "{\"messages\": [{\"role\": \"user\"}]}"),
                400,
                "messages[0].content");
        assertError(
                Http.post(chat, "{\"messages\": [{\"role\": \"user\", \"content\": 5}]}"),
                400,
                "messages[0].content");
        assertError(
                Http.post(
                        chat,
                        "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"tools\": [{}]}"),
                400,
                "tools");
        // a body over the 64 KiB limit
        Http.Reply big = Http.post(c, completion("y".repeat(70_000), 4, null));
        assertError(big, 413, null);
        // unknown endpoints and methods
        assertError(Http.get(url + "/v1/nothing"), 404, null);
        // unknown fields are ignored, and the server still serves
        Http.Reply ok = Http.post(c, completion("x = ", 4, "\"some_future_field\": {\"a\": 1}"));
        Assert.assertEquals(ok.status(), 200, ok.body());
        Assert.assertEquals(server.stats().running(), 0);
    }

    private static void assertError(Http.Reply r, int status, String param) {
        Assert.assertEquals(r.status(), status, r.body());
        JsonObject e = r.error();
        Assert.assertFalse(e.get("message").getAsString().isBlank(), r.body());
        Assert.assertTrue(e.has("type"), r.body());
        if (param != null) {
            Assert.assertEquals(e.get("param").getAsString(), param, r.body());
        }
    }

    /** A client that disconnects mid-stream has its row freed within a round or so. */
    @Test
    public void aDisconnectedStreamIsCancelledAndItsRowFreed() throws Exception {
        String body =
                completion(PROMPTS[1], 96, "\"stream\": true, \"strategy\": \"autoregressive\"");
        long cancelledBefore = server.stats().cancelled();
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            OutputStream out = s.getOutputStream();
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            out.write(
                    ("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                                    + b.length
                                    + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            out.write(b);
            out.flush();
            InputStream in = s.getInputStream();
            BufferedReader r =
                    new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            int data = 0;
            while ((line = r.readLine()) != null && data < 2) {
                if (line.startsWith("data: ")) {
                    data++;
                }
            }
            Assert.assertEquals(data, 2, "the stream should have started");
            Assert.assertEquals(server.stats().running(), 1);
        } // the socket closes here, mid-stream
        long until = System.currentTimeMillis() + 10_000;
        while (server.stats().running() > 0 && System.currentTimeMillis() < until) {
            Thread.sleep(2);
        }
        Assert.assertEquals(server.stats().running(), 0, "the row was not freed");
        Assert.assertEquals(
                server.stats().cancelled(), cancelledBefore + 1, "the sequence was not cancelled");
    }
}
