package org.layerskip.server;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A raw HTTP client for the tests (the JDK's), every call bounded in time. */
final class Http {

    static final HttpClient CLIENT =
            HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(10))
                    .version(HttpClient.Version.HTTP_1_1)
                    .build();

    private Http() {}

    record Reply(int status, String body, HttpResponse<String> raw) {
        JsonObject json() {
            return JsonParser.parseString(body).getAsJsonObject();
        }

        JsonObject error() {
            return json().getAsJsonObject("error");
        }
    }

    static Reply post(String url, String body) throws IOException, InterruptedException {
        HttpRequest r =
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(120))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build();
        HttpResponse<String> h = CLIENT.send(r, HttpResponse.BodyHandlers.ofString());
        return new Reply(h.statusCode(), h.body(), h);
    }

    static Reply get(String url) throws IOException, InterruptedException {
        HttpRequest r =
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(30))
                        .GET()
                        .build();
        HttpResponse<String> h = CLIENT.send(r, HttpResponse.BodyHandlers.ofString());
        return new Reply(h.statusCode(), h.body(), h);
    }

    /**
     * Posts and reads the server-sent events: the JSON of each {@code data:} line, then "[DONE]".
     */
    static List<String> events(String url, String body) throws IOException, InterruptedException {
        HttpRequest r =
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(120))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build();
        HttpResponse<InputStream> h = CLIENT.send(r, HttpResponse.BodyHandlers.ofInputStream());
        if (h.statusCode() != 200) {
            throw new AssertionError(
                    "status "
                            + h.statusCode()
                            + ": "
                            + new String(h.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        if (!h.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
            throw new AssertionError("not an event stream: " + h.headers());
        }
        List<String> out = new ArrayList<>();
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(h.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    out.add(line.substring(6));
                } else if (!line.isEmpty()) {
                    throw new AssertionError("unexpected SSE line: " + line);
                }
            }
        }
        return out;
    }

    static JsonObject parse(String s) {
        JsonElement e = JsonParser.parseString(s);
        return e.getAsJsonObject();
    }
}
