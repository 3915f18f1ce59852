package org.layerskip.cli;

import org.testng.Assert;
import org.testng.annotations.Test;

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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code layerskip serve} as a process: one {@code listening on} line on stdout, a real request,
 * and SIGTERM in the middle of a stream: the stream finishes, the process exits 0.
 */
public class ServeCommandTest {

    private static final Pattern LISTENING =
            Pattern.compile("listening on (http://127\\.0\\.0\\.1:(\\d+))");

    @Test(groups = "slow")
    public void badOptionsAreUsageErrors() {
        LayerSkipCliTest.Run r = LayerSkipCliTest.cli("serve", "--port", "70000");
        Assert.assertEquals(r.code(), LayerSkipCli.EXIT_USAGE, r.err());
        Assert.assertTrue(r.err().startsWith("error: --port must be in [0, 65535]"), r.err());
        Assert.assertEquals(r.out(), "");
        r = LayerSkipCliTest.cli("serve", "--max-batch", "0");
        Assert.assertEquals(r.code(), LayerSkipCli.EXIT_USAGE, r.err());
        r = LayerSkipCliTest.cli("serve", "--model", "/no/such/model", "--port", "0");
        Assert.assertEquals(r.code(), LayerSkipCli.EXIT_ERROR, r.err());
        Assert.assertEquals(r.err().strip().lines().count(), 1, r.err());
    }

    @Test(groups = "slow")
    public void sigtermLetsTheStreamFinishAndExitsZero() throws Exception {
        Path err = Files.createTempFile("serve", ".err");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(LayerSkipCli.class.getName());
        cmd.addAll(List.of("serve", "--port", "0", "--threads", "1", "--max-tokens-limit", "300"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err.toFile());
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        Process p = pb.start();
        try {
            BufferedReader out =
                    new BufferedReader(
                            new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            LinkedBlockingQueue<String> stdout = new LinkedBlockingQueue<>();
            CompletableFuture<Void> reader =
                    CompletableFuture.runAsync(
                            () -> {
                                try {
                                    String l;
                                    while ((l = out.readLine()) != null) {
                                        stdout.add(l);
                                    }
                                } catch (Exception e) {
                                    // the process is gone
                                }
                            });
            String line = stdout.poll(120, TimeUnit.SECONDS);
            Matcher m = LISTENING.matcher(line == null ? "" : line);
            Assert.assertTrue(
                    m.matches(),
                    "first stdout line: " + line + "\nstderr: " + Files.readString(err));
            String url = m.group(1);
            HttpClient client =
                    HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            HttpRequest req =
                    HttpRequest.newBuilder(URI.create(url + "/v1/completions"))
                            .timeout(Duration.ofSeconds(120))
                            .POST(
                                    HttpRequest.BodyPublishers.ofString(
                                            "{\"prompt\": \"def f(x):\", \"max_tokens\": 300, \"temperature\": 0,"
                                                    + " \"stream\": true, \"strategy\": \"autoregressive\"}"))
                            .build();
            HttpResponse<InputStream> h =
                    client.send(req, HttpResponse.BodyHandlers.ofInputStream());
            Assert.assertEquals(h.statusCode(), 200);
            BufferedReader stream =
                    new BufferedReader(new InputStreamReader(h.body(), StandardCharsets.UTF_8));
            String s;
            while ((s = stream.readLine()) != null && !s.startsWith("data: ")) {
                // first event
            }
            p.destroy(); // SIGTERM
            List<String> rest = new ArrayList<>();
            while ((s = stream.readLine()) != null) {
                if (s.startsWith("data: ")) {
                    rest.add(s.substring(6));
                }
            }
            Assert.assertTrue(p.waitFor(90, TimeUnit.SECONDS), "the server did not exit");
            String log = Files.readString(err);
            Assert.assertEquals(p.exitValue(), 0, log);
            Assert.assertFalse(rest.isEmpty(), log);
            Assert.assertEquals(rest.get(rest.size() - 1), "[DONE]", log);
            Assert.assertTrue(
                    rest.get(rest.size() - 2).contains("\"finish_reason\":\""),
                    rest.get(rest.size() - 2));
            Assert.assertTrue(log.contains("stopped: all requests finished"), log);
            reader.get(10, TimeUnit.SECONDS);
            Assert.assertTrue(
                    stdout.isEmpty(), "stdout must hold only the listening line: " + stdout);
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(err);
        }
    }
}
