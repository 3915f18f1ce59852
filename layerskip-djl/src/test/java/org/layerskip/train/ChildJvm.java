package org.layerskip.train;

import org.testng.Assert;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running {@link KillableTraining} on this JVM's classpath, with one PyTorch thread.
 * Its stdout lines are queued for {@link #await}; stderr goes to a file shown when something fails.
 */
final class ChildJvm implements AutoCloseable {

    private static final long TIMEOUT_SECONDS = 90;

    private final Process process;
    private final Path stderr;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();
    private final Thread reader;

    private ChildJvm(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
        reader =
                new Thread(
                        () -> {
                            try (BufferedReader r =
                                    new BufferedReader(
                                            new InputStreamReader(
                                                    process.getInputStream(),
                                                    StandardCharsets.UTF_8))) {
                                for (String l = r.readLine(); l != null; l = r.readLine()) {
                                    lines.add(l);
                                }
                            } catch (IOException e) {
                                // the process was killed
                            }
                        },
                        "child-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@link KillableTraining} with the given arguments.
     *
     * @param fileSizeLimitBlocks if positive, run under {@code ulimit -f} (RLIMIT_FSIZE, in the
     *     shell's blocks: 512 bytes for dash, 1024 for bash): a write past that size fails with
     *     {@code File too large}, at the same place a full disk would fail it
     * @param args the child's arguments
     * @return the running child
     * @throws IOException if it cannot be started
     */
    static ChildJvm start(int fileSizeLimitBlocks, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (fileSizeLimitBlocks > 0) {
            // the JVM ignores SIGXFSZ, so the write returns EFBIG instead of killing the process
            String script = "ulimit -f " + fileSizeLimitBlocks + " && exec \"$@\"";
            cmd.addAll(List.of("/bin/sh", "-c", script, "sh"));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(
                List.of(
                        "-cp",
                        System.getProperty("java.class.path"),
                        "-Xmx512m",
                        "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1",
                        "-XX:-UsePerfData",
                        "-Dai.djl.pytorch.num_threads=1",
                        "-Dai.djl.offline=true"));
        for (String key :
                new String[] {"DJL_CACHE_DIR", "ENGINE_CACHE_DIR", "ai.djl.default_engine"}) {
            if (System.getProperty(key) != null) {
                cmd.add("-D" + key + "=" + System.getProperty(key));
            }
        }
        cmd.add(KillableTraining.class.getName());
        cmd.addAll(List.of(args));
        Path stderr = Files.createTempFile("killable-training", ".stderr");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(stderr.toFile());
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        pb.environment().put("OMP_NUM_THREADS", "1");
        return new ChildJvm(pb.start(), stderr);
    }

    /**
     * Waits for a stdout line starting with a prefix.
     *
     * @param prefix e.g. {@code "RESUMED "}
     * @return the rest of that line
     * @throws InterruptedException if interrupted
     */
    String await(String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (true) {
            String l = lines.poll(200, TimeUnit.MILLISECONDS);
            if (l != null) {
                seen.add(l);
                if (l.startsWith(prefix)) {
                    return l.substring(prefix.length());
                }
            } else if (!reader.isAlive() && lines.isEmpty()) {
                Assert.fail("child exited (" + exitCode() + ") before '" + prefix + "'" + report());
            } else if (System.nanoTime() > deadline) {
                Assert.fail("no '" + prefix + "' within " + TIMEOUT_SECONDS + " s" + report());
            }
        }
    }

    /**
     * Kills the child with SIGKILL (what {@link Process#destroyForcibly} sends on Linux) and waits
     * for it to be gone.
     *
     * @return whether it was still running when killed
     * @throws InterruptedException if interrupted
     */
    boolean kill() throws InterruptedException {
        boolean alive = process.isAlive();
        process.destroyForcibly();
        Assert.assertTrue(process.waitFor(30, TimeUnit.SECONDS), "child did not die");
        return alive;
    }

    /**
     * Waits for the child to exit.
     *
     * @return its exit code
     * @throws InterruptedException if interrupted
     */
    int waitFor() throws InterruptedException {
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            Assert.fail("child did not finish within " + TIMEOUT_SECONDS + " s" + report());
        }
        return process.exitValue();
    }

    private String exitCode() {
        try {
            boolean exited = process.waitFor(10, TimeUnit.SECONDS);
            return exited ? Integer.toString(process.exitValue()) : "still running";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    /**
     * Describes the child's output for a failure message.
     *
     * @return stdout lines seen and the tail of stderr
     */
    String report() {
        String err;
        try {
            err = Files.readString(stderr, StandardCharsets.UTF_8);
        } catch (IOException e) {
            err = e.toString();
        }
        lines.drainTo(seen);
        return "\nstdout: " + seen + "\nstderr: " + err.substring(Math.max(0, err.length() - 3000));
    }

    @Override
    public void close() throws IOException {
        process.destroyForcibly();
        Files.deleteIfExists(stderr);
    }
}
