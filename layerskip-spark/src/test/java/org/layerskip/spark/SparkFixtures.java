package org.layerskip.spark;

import org.apache.spark.sql.SparkSession;
import org.layerskip.zoo.BundledModels;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The Spark session and prompts the Spark tests share. */
final class SparkFixtures {

    /** Two task threads; a failed task is tried once more (local[N, maxFailures]). */
    static final String MASTER = "local[2,2]";

    private static SparkSession session;

    private SparkFixtures() {}

    /** One session for the whole test JVM (Spark allows one context per JVM); stopped at exit. */
    static synchronized SparkSession spark() {
        if (session == null) {
            session = SparkSessions.start(MASTER, "layerskip-spark-tests");
            session.sparkContext().setLogLevel("WARN");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> session.stop()));
        }
        return session;
    }

    /**
     * Prompts cut from the bundled held-out split (Python sources the tiny models never saw): the
     * first {@code n} distinct lines of at least 24 characters, stripped and cut to 60 characters.
     */
    static List<String> heldoutPrompts(int n) {
        String text = heldoutText();
        Set<String> out = new LinkedHashSet<>();
        for (String line : text.split("\n")) {
            String s = line.strip();
            if (s.length() >= 24) {
                out.add(s.length() > 60 ? s.substring(0, 60) : s);
            }
            if (out.size() == n) {
                break;
            }
        }
        if (out.size() < n) {
            throw new IllegalStateException(
                    "the held-out split has only " + out.size() + " prompt lines");
        }
        return new ArrayList<>(out);
    }

    /** The bundled held-out split. */
    static String heldoutText() {
        return BundledModels.heldoutText().orElseThrow();
    }

    /** A temporary folder deleted when the test JVM exits. */
    static java.nio.file.Path tempDir(String prefix) throws java.io.IOException {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory(prefix);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
        return dir;
    }

    private static void deleteTree(java.nio.file.Path dir) {
        try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException | RuntimeException e) {
            // best effort at exit
        }
    }
}
