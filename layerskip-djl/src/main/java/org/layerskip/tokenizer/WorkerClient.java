package org.layerskip.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The parent's side of the tokenizer child process ({@link TokenizerWorker}): one child JVM shared
 * by every {@link IsolatedBackend} of this JVM, started on first use, stopped when no backend has
 * used it for {@value #IDLE_STOP_SECONDS} s, and restarted after it dies. Requests are serialised
 * (one at a time), so a child that dies was running the request that killed it; the other backends
 * load their definitions again into the next child. Every request runs under a watchdog: a request
 * that takes longer than the time limit ({@value #TIMEOUT_PROPERTY}, default {@value
 * #DEFAULT_TIMEOUT_SECONDS} s) kills the child.
 *
 * <p>Hand-written because it is small: Java's {@link Process} and data streams over the child's
 * stdin/stdout are all it needs.
 */
final class WorkerClient {

    /** System property: seconds a request (or the child's start) may take. */
    static final String TIMEOUT_PROPERTY = "layerskip.tokenizer.timeoutSeconds";

    static final long DEFAULT_TIMEOUT_SECONDS = 60;

    static final long IDLE_STOP_SECONDS = 15;

    /** How the message of a crash or a hang of the child starts. */
    static final String NATIVE_FAILURE = "the native tokenizer ";

    private static final int STDERR_TAIL_CHARS = 16 * 1024;

    private static final WorkerClient SHARED = new WorkerClient();

    /** Kills stuck children; never waits for this client's monitor, which a stuck call holds. */
    private final ScheduledExecutorService watchdogs =
            daemonScheduler("layerskip-tokenizer-watchdog");

    private final ScheduledExecutorService idleStops = daemonScheduler("layerskip-tokenizer-idle");

    private Child child;
    private long starts;
    private int users;
    private ScheduledFuture<?> idleStop;

    /** One request: writes it, reads the answer. */
    private interface Call<T> {
        T run(DataInputStream in, DataOutputStream out) throws IOException;
    }

    private WorkerClient() {}

    private static ScheduledExecutorService daemonScheduler(String name) {
        return Executors.newSingleThreadScheduledExecutor(
                r -> {
                    Thread t = new Thread(r, name);
                    t.setDaemon(true);
                    return t;
                });
    }

    static WorkerClient shared() {
        return SHARED;
    }

    /**
     * Returns how many child processes this JVM has started (for tests and diagnostics).
     *
     * @return the number of starts
     */
    synchronized long starts() {
        return starts;
    }

    synchronized void acquire() {
        users++;
        if (idleStop != null) {
            idleStop.cancel(false);
            idleStop = null;
        }
    }

    synchronized void release() {
        users--;
        if (users == 0 && child != null) {
            idleStop = idleStops.schedule(this::stopIfIdle, IDLE_STOP_SECONDS, TimeUnit.SECONDS);
        }
    }

    private synchronized void stopIfIdle() {
        if (users == 0 && child != null) {
            child.stop();
            child = null;
        }
    }

    /** Loads the backend's definition into the running child (starting one if needed). */
    synchronized void load(IsolatedBackend b) {
        ready(b);
    }

    synchronized long[] encode(IsolatedBackend b, String text) {
        Child c = ready(b);
        return c.exchange(
                "while encoding a text of " + text.length() + " characters",
                (in, out) -> {
                    out.writeByte(WorkerProtocol.ENCODE);
                    out.writeLong(b.handle);
                    WorkerProtocol.writeText(out, text);
                    out.flush();
                    status(in, "the tokenizer cannot encode this text");
                    return WorkerProtocol.readIds(in);
                });
    }

    synchronized String decode(IsolatedBackend b, long[] ids, boolean skipSpecialTokens) {
        Child c = ready(b);
        return c.exchange(
                "while decoding " + ids.length + " ids",
                (in, out) -> {
                    out.writeByte(WorkerProtocol.DECODE);
                    out.writeLong(b.handle);
                    out.writeBoolean(skipSpecialTokens);
                    WorkerProtocol.writeIds(out, ids);
                    out.flush();
                    status(in, "the tokenizer cannot decode these ids");
                    return WorkerProtocol.readText(in);
                });
    }

    /** Frees the backend's definition in the child if it is still loaded there; best effort. */
    synchronized void free(IsolatedBackend b) {
        Child c = child;
        if (c == null || c.dead || b.generation != c.generation) {
            return;
        }
        try {
            c.exchange(
                    "while releasing a tokenizer",
                    (in, out) -> {
                        out.writeByte(WorkerProtocol.FREE);
                        out.writeLong(b.handle);
                        out.flush();
                        status(in, "the tokenizer cannot be released");
                        return null;
                    });
        } catch (TokenizerException e) {
            // the child is gone or refused: nothing left to free
        }
        b.generation = -1;
    }

    private Child ready(IsolatedBackend b) {
        if (child == null || child.dead || !child.process.isAlive()) {
            if (child != null) {
                child.stop();
            }
            child = null;
            child = Child.start(++starts, watchdogs);
        }
        Child c = child;
        if (b.generation != c.generation) {
            b.handle =
                    c.exchange(
                            "while loading tokenizer.json",
                            (in, out) -> {
                                out.writeByte(WorkerProtocol.LOAD);
                                WorkerProtocol.writeBytes(out, b.json);
                                out.flush();
                                status(in, "rejected by the tokenizers library");
                                return in.readLong();
                            });
            b.generation = c.generation;
        }
        return c;
    }

    /** Reads a response status; an ERROR is a clean failure reported by the worker. */
    private static void status(DataInputStream in, String errorPrefix) throws IOException {
        byte s = in.readByte();
        if (s == WorkerProtocol.ERROR) {
            throw new TokenizerException(errorPrefix + " (" + WorkerProtocol.readText(in) + ")");
        }
        if (s != WorkerProtocol.OK) {
            throw new IOException("unexpected response " + s);
        }
    }

    static long timeoutSeconds() {
        long s = Long.getLong(TIMEOUT_PROPERTY, DEFAULT_TIMEOUT_SECONDS);
        if (s < 1) {
            throw new IllegalArgumentException("-D" + TIMEOUT_PROPERTY + " must be >= 1, got " + s);
        }
        return s;
    }

    /** One child process. */
    private static final class Child {

        final Process process;
        final long generation;
        final DataInputStream in;
        final DataOutputStream out;
        final StringBuilder stderrTail = new StringBuilder();
        final Thread stderrReader;
        final ScheduledExecutorService scheduler;
        volatile boolean dead;
        volatile boolean timedOut;

        private Child(Process process, long generation, ScheduledExecutorService scheduler) {
            this.process = process;
            this.generation = generation;
            this.scheduler = scheduler;
            in = new DataInputStream(new BufferedInputStream(process.getInputStream(), 1 << 16));
            out =
                    new DataOutputStream(
                            new BufferedOutputStream(process.getOutputStream(), 1 << 16));
            stderrReader = new Thread(this::drainStderr, "layerskip-tokenizer-stderr");
            stderrReader.setDaemon(true);
            stderrReader.start();
        }

        static Child start(long generation, ScheduledExecutorService scheduler) {
            Process p;
            try {
                ProcessBuilder pb = new ProcessBuilder(command());
                pb.environment().put("RUST_BACKTRACE", "0");
                p = pb.start();
            } catch (IOException e) {
                throw new TokenizerException(
                        "cannot start the tokenizer process (" + e.getMessage() + ")", e);
            }
            Child c = new Child(p, generation, scheduler);
            c.exchange(
                    "while starting",
                    (in, out) -> {
                        int hello = in.readInt();
                        if (hello != WorkerProtocol.HELLO) {
                            throw new IOException(
                                    "unexpected output " + Integer.toHexString(hello));
                        }
                        return null;
                    });
            return c;
        }

        /** Runs a call under the watchdog; a dead or stuck child becomes a TokenizerException. */
        <T> T exchange(String what, Call<T> call) {
            long seconds = timeoutSeconds();
            ScheduledFuture<?> watchdog =
                    scheduler.schedule(
                            () -> {
                                timedOut = true;
                                process.destroyForcibly();
                            },
                            seconds,
                            TimeUnit.SECONDS);
            try {
                return call.run(in, out);
            } catch (IOException | RuntimeException e) {
                if (e instanceof TokenizerException t && !timedOut && process.isAlive()) {
                    throw t; // a clean error reported by the worker
                }
                throw died(what, seconds, e);
            } finally {
                watchdog.cancel(false);
            }
        }

        private TokenizerException died(String what, long seconds, Exception e) {
            dead = true;
            process.destroyForcibly();
            String exit = "";
            try {
                if (process.waitFor(10, TimeUnit.SECONDS)) {
                    exit = "exit code " + process.exitValue() + ": ";
                }
                stderrReader.join(
                        10_000); // EOF once the process is gone; slow only on a loaded machine
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            if (timedOut) {
                return new TokenizerException(
                        NATIVE_FAILURE
                                + "did not finish "
                                + what
                                + " within "
                                + seconds
                                + " s (-D"
                                + TIMEOUT_PROPERTY
                                + "); its process was stopped",
                        e);
            }
            String tail;
            synchronized (stderrTail) {
                tail = stderrTail.toString();
            }
            return new TokenizerException(
                    NATIVE_FAILURE + "crashed " + what + " (" + exit + summary(tail) + ")", e);
        }

        void stop() {
            dead = true;
            try {
                out.close(); // EOF: the worker exits
            } catch (IOException e) {
                // already gone
            }
            try {
                if (!process.waitFor(2, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }

        private void drainStderr() {
            byte[] buf = new byte[4096];
            try (InputStream err = process.getErrorStream()) {
                for (int n = err.read(buf); n >= 0; n = err.read(buf)) {
                    synchronized (stderrTail) {
                        stderrTail.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                        int excess = stderrTail.length() - STDERR_TAIL_CHARS;
                        if (excess > 0) {
                            stderrTail.delete(0, excess);
                        }
                    }
                }
            } catch (IOException e) {
                // the process is gone
            }
        }
    }

    /**
     * Picks the informative line of a dead child's stderr: the message of a Rust panic (the line
     * after "panicked at"), a fatal runtime error, or else the last line.
     */
    static String summary(String stderr) {
        String[] lines = stderr.split("\\R");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains("panicked at")) {
                if (lines[i].strip().endsWith(":")
                        && i + 1 < lines.length
                        && !lines[i + 1].isBlank()) {
                    return "panic: " + shorten(lines[i + 1].strip());
                }
                return shorten(lines[i].strip());
            }
        }
        String last = null;
        for (String l : lines) {
            if (l.contains("fatal runtime error")) {
                return shorten(l.strip());
            }
            if (!l.isBlank()) {
                last = l.strip();
            }
        }
        return last == null ? "no output" : shorten(last);
    }

    private static String shorten(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    /** The child's command line: this JVM's java, its class path, a small heap. */
    static List<String> command() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-XX:-UsePerfData");
        cmd.add("-XX:-CreateCoredumpOnCrash");
        cmd.add(
                "-XX:ErrorFile="
                        + Path.of(
                                System.getProperty("java.io.tmpdir"),
                                "layerskip-tokenizer-hs_err_%p.log"));
        for (Map.Entry<Object, Object> e : System.getProperties().entrySet()) {
            String k = String.valueOf(e.getKey());
            if (k.startsWith("ai.djl.")
                    || k.startsWith("jna.")
                    || k.equals("DJL_CACHE_DIR")
                    || k.equals("ENGINE_CACHE_DIR")
                    || k.equals("java.io.tmpdir")
                    || k.equals("user.home")) {
                cmd.add("-D" + k + "=" + e.getValue());
            }
        }
        // the worker never downloads anything (and on a GPU host would otherwise look for a CUDA
        // build)
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(TokenizerWorker.class.getName());
        return cmd;
    }

    /**
     * The jars and folders of the classes the worker needs, then this JVM's class path (which alone
     * misses them when the application runs under its own class loader).
     */
    private static String classPath() {
        Set<String> entries = new LinkedHashSet<>();
        for (String name :
                new String[] {
                    TokenizerWorker.class.getName(),
                    HuggingFaceTokenizer.class.getName(),
                    "ai.djl.util.Utils",
                    "com.google.gson.Gson",
                    "org.slf4j.LoggerFactory",
                    "com.sun.jna.Native",
                    "org.apache.commons.compress.utils.IOUtils"
                }) {
            String location = location(name);
            if (location != null) {
                entries.add(location);
            }
        }
        for (String e : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (!e.isBlank()) {
                entries.add(e);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private static String location(String className) {
        try {
            Class<?> c = Class.forName(className, false, WorkerClient.class.getClassLoader());
            CodeSource cs = c.getProtectionDomain().getCodeSource();
            if (cs == null || cs.getLocation() == null) {
                return null;
            }
            return Path.of(cs.getLocation().toURI()).toString();
        } catch (ClassNotFoundException
                | URISyntaxException
                | SecurityException
                | IllegalArgumentException
                | LinkageError e) {
            return null;
        }
    }
}
