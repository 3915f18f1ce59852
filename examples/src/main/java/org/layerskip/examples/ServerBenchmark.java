package org.layerskip.examples;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.layerskip.cli.LayerSkipCli;
import org.layerskip.zoo.BundledModels;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Load test of {@code layerskip serve}: starts the server in a child JVM, sends streamed greedy
 * completions at concurrency 1, 4, 8, 16 for autoregressive and self-speculative decoding, and
 * reports completion tokens/s (wall), the server's CPU seconds per 1,000 tokens (from {@code
 * /proc}), time to first token p50/p95, then runs a soak and samples the server's resident memory.
 *
 * <pre>
 * ServerBenchmark --model tiny-layerskip --threads 1 --max-tokens 64 --requests 48 --soak 1000
 * </pre>
 */
public final class ServerBenchmark {

    /**
     * One cell of the table.
     *
     * @param strategy autoregressive or self-speculative
     * @param concurrency clients sending at once
     * @param requests requests sent
     * @param completionTokens tokens generated (from {@code usage})
     * @param wallSeconds time from the first send to the last reply
     * @param tokensPerSecond completion tokens / wall seconds
     * @param serverCpuSecondsPer1k the server process's CPU seconds per 1,000 tokens
     * @param ttftP50Ms median time to first token
     * @param ttftP95Ms 95th percentile time to first token
     * @param acceptance accepted / drafted (self-speculative)
     */
    public record Row(
            String strategy,
            int concurrency,
            int requests,
            long completionTokens,
            double wallSeconds,
            double tokensPerSecond,
            double serverCpuSecondsPer1k,
            double ttftP50Ms,
            double ttftP95Ms,
            double acceptance) {}

    /**
     * The whole run.
     *
     * @param rows the table
     * @param rssMiB resident memory of the server sampled during the soak (first = after warm-up)
     * @param soakRequests requests of the soak
     * @param loadAverage the machine's 1-minute load average at the start and at the end
     */
    public record Result(
            List<Row> rows, List<Long> rssMiB, int soakRequests, double[] loadAverage) {}

    private ServerBenchmark() {}

    /**
     * Runs the benchmark and prints the table.
     *
     * @param args see the class comment
     * @throws Exception on failure
     */
    public static void main(String... args) throws Exception {
        Result r = runExample(args);
        System.out.println(
                "| strategy | concurrency | requests | tokens | tokens/s | vs c=1 | server CPU s / 1k tokens | TTFT p50 ms | TTFT p95 ms | acceptance |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        for (Row row : r.rows()) {
            double base =
                    r.rows().stream()
                            .filter(
                                    x ->
                                            x.strategy().equals(row.strategy())
                                                    && x.concurrency() == 1)
                            .findFirst()
                            .map(Row::tokensPerSecond)
                            .orElse(row.tokensPerSecond());
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %d | %d | %d | %.1f | %.2fx | %.2f | %.1f | %.1f | %s |%n",
                    row.strategy(),
                    row.concurrency(),
                    row.requests(),
                    row.completionTokens(),
                    row.tokensPerSecond(),
                    row.tokensPerSecond() / base,
                    row.serverCpuSecondsPer1k(),
                    row.ttftP50Ms(),
                    row.ttftP95Ms(),
                    row.strategy().equals("self-speculative")
                            ? String.format(Locale.ROOT, "%.3f", row.acceptance())
                            : "-");
        }
        System.out.println(
                "soak: " + r.soakRequests() + " requests, server RSS MiB every 100: " + r.rssMiB());
        System.out.printf(
                Locale.ROOT,
                "load average (1 min): %.2f at start, %.2f at end%n",
                r.loadAverage()[0],
                r.loadAverage()[1]);
    }

    /**
     * Runs the benchmark.
     *
     * @param args {@code --model}, {@code --threads}, {@code --max-tokens}, {@code --requests} (per
     *     cell, at least 2 x concurrency), {@code --soak} (requests, 0 = none), {@code
     *     --soak-tokens}
     * @return the result
     * @throws Exception on failure
     */
    public static Result runExample(String... args) throws Exception {
        ExampleArgs a = new ExampleArgs(args);
        int maxTokens = a.getInt("max-tokens", 64);
        int requests = a.getInt("requests", 48);
        int soak = a.getInt("soak", 1000);
        int soakTokens = a.getInt("soak-tokens", 16);
        List<String> prompts = prompts(64, 7);
        double load0 = loadAverage();
        Process server = startServer(a.get("model", "tiny-layerskip"), a.get("threads", "1"));
        try {
            String url = listeningUrl(server);
            long pid = server.pid();
            HttpClient client =
                    HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            // warm-up: both strategies, a few batches
            for (String s : new String[] {"autoregressive", "self-speculative"}) {
                runCell(client, url, s, 8, 16, maxTokens, prompts, pid);
            }
            List<Row> rows = new ArrayList<>();
            for (String s : new String[] {"autoregressive", "self-speculative"}) {
                for (int c : new int[] {1, 4, 8, 16}) {
                    rows.add(
                            runCell(
                                    client,
                                    url,
                                    s,
                                    c,
                                    Math.max(requests, 2 * c),
                                    maxTokens,
                                    prompts,
                                    pid));
                }
            }
            List<Long> rss = new ArrayList<>();
            if (soak > 0) {
                rss.add(rssMiB(pid));
                for (int done = 0; done < soak; done += 100) {
                    runCell(
                            client,
                            url,
                            done % 200 == 0 ? "self-speculative" : "autoregressive",
                            8,
                            Math.min(100, soak - done),
                            soakTokens,
                            prompts,
                            pid);
                    rss.add(rssMiB(pid));
                }
            }
            return new Result(rows, rss, soak, new double[] {load0, loadAverage()});
        } finally {
            server.destroy();
            if (!server.waitFor(60, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    private static Row runCell(
            HttpClient client,
            String url,
            String strategy,
            int concurrency,
            int requests,
            int maxTokens,
            List<String> prompts,
            long pid)
            throws Exception {
        AtomicInteger next = new AtomicInteger();
        long[] tokens = new long[requests];
        double[] ttft = new double[requests];
        long[] drafted = new long[requests];
        long[] accepted = new long[requests];
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        long cpu0 = cpuNanos(pid);
        long t0 = System.nanoTime();
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < concurrency; w++) {
                fs.add(
                        pool.submit(
                                () -> {
                                    int i;
                                    while ((i = next.getAndIncrement()) < requests) {
                                        one(
                                                client,
                                                url,
                                                strategy,
                                                maxTokens,
                                                prompts.get(i % prompts.size()),
                                                i,
                                                tokens,
                                                ttft,
                                                drafted,
                                                accepted);
                                    }
                                    return null;
                                }));
            }
            for (Future<?> f : fs) {
                f.get(30, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = (cpuNanos(pid) - cpu0) / 1e9;
        long total = Arrays.stream(tokens).sum();
        double[] sorted = ttft.clone();
        Arrays.sort(sorted);
        long d = Arrays.stream(drafted).sum();
        return new Row(
                strategy,
                concurrency,
                requests,
                total,
                wall,
                total / wall,
                1000 * cpu / Math.max(1, total),
                percentile(sorted, 0.5),
                percentile(sorted, 0.95),
                d == 0 ? 0 : (double) Arrays.stream(accepted).sum() / d);
    }

    private static void one(
            HttpClient client,
            String url,
            String strategy,
            int maxTokens,
            String prompt,
            int i,
            long[] tokens,
            double[] ttft,
            long[] drafted,
            long[] accepted)
            throws Exception {
        JsonObject body = new JsonObject();
        body.addProperty("prompt", prompt);
        body.addProperty("max_tokens", maxTokens);
        body.addProperty("temperature", 0);
        body.addProperty("stream", true);
        body.addProperty("strategy", strategy);
        JsonObject so = new JsonObject();
        so.addProperty("include_usage", true);
        body.add("stream_options", so);
        HttpRequest r =
                HttpRequest.newBuilder(URI.create(url + "/v1/completions"))
                        .timeout(Duration.ofMinutes(10))
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                        .build();
        long start = System.nanoTime();
        HttpResponse<InputStream> h = client.send(r, HttpResponse.BodyHandlers.ofInputStream());
        if (h.statusCode() != 200) {
            throw new IllegalStateException(
                    "HTTP "
                            + h.statusCode()
                            + ": "
                            + new String(h.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(h.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.startsWith("data: {")) {
                    continue;
                }
                JsonObject c = JsonParser.parseString(line.substring(6)).getAsJsonObject();
                if (ttft[i] == 0
                        && c.has("layerskip")
                        && c.getAsJsonObject("layerskip").has("tokens")) {
                    ttft[i] = (System.nanoTime() - start) / 1e6;
                }
                JsonElement u = c.get("usage");
                if (u != null && u.isJsonObject()) {
                    tokens[i] = u.getAsJsonObject().get("completion_tokens").getAsLong();
                    JsonObject ls = c.getAsJsonObject("layerskip");
                    if (ls.has("drafted")) {
                        drafted[i] = ls.get("drafted").getAsLong();
                        accepted[i] = ls.get("accepted").getAsLong();
                    }
                }
            }
        }
    }

    private static double percentile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int k = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, k))];
    }

    /** Prompts cut from the bundled held-out Python sources (seeded). */
    static List<String> prompts(int n, long seed) {
        String text = BundledModels.heldoutText().orElse("def f(x):\n    return x\n");
        Random r = new Random(seed);
        List<String> out = new ArrayList<>();
        while (out.size() < n) {
            int at = r.nextInt(Math.max(1, text.length() - 400));
            int nl = text.indexOf('\n', at);
            int from = nl < 0 ? at : nl + 1;
            int len = 40 + r.nextInt(200);
            String p = text.substring(from, Math.min(text.length(), from + len));
            if (!p.isBlank()) {
                out.add(p);
            }
        }
        return out;
    }

    private static Process startServer(String model, String threads) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(
                List.of(
                        "-XX:+UseSerialGC",
                        "-Dai.djl.offline=true",
                        "-cp",
                        System.getProperty("java.class.path"),
                        LayerSkipCli.class.getName(),
                        "serve",
                        "--port",
                        "0",
                        "--model",
                        model,
                        "--threads",
                        threads,
                        "--max-batch",
                        "16",
                        "--max-queue",
                        "256",
                        "--max-tokens-limit",
                        "512"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().putIfAbsent("OMP_WAIT_POLICY", "PASSIVE");
        return pb.start();
    }

    private static String listeningUrl(Process p) throws Exception {
        BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null || !line.startsWith("listening on ")) {
            throw new IllegalStateException("the server did not start: " + line);
        }
        return line.substring("listening on ".length()).trim();
    }

    /** utime + stime of a process, from /proc (Linux), in nanoseconds; 0 elsewhere. */
    static long cpuNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks * 10_000_000L; // USER_HZ = 100
        } catch (Exception e) {
            return 0;
        }
    }

    static long rssMiB(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return -1;
    }

    private static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (Exception e) {
            return -1;
        }
    }
}
