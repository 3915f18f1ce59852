package org.layerskip.spark;

import org.apache.spark.sql.SparkSession;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Starts the Spark session of a LayerSkip job. A {@code local[...]} master keeps everything on the
 * loopback interface (driver bound to 127.0.0.1) and turns the web UI off; any other master (or
 * none, under {@code spark-submit}) takes Spark's configuration as given.
 */
public final class SparkSessions {

    private static final Pattern LOCAL =
            Pattern.compile("local(?:\\[(\\*|\\d+)(?:\\s*,\\s*(\\d+))?])?");

    private SparkSessions() {}

    /**
     * Starts (or joins) a session.
     *
     * @param master a Spark master URL ({@code local[2]}, {@code spark://host:7077}, {@code yarn},
     *     {@code k8s://...}), or null to use the one spark-submit configured
     * @param appName the application name
     * @return the session; stop it when done
     */
    public static SparkSession start(String master, String appName) {
        SparkSession.Builder b = SparkSession.builder().appName(appName);
        if (master != null) {
            b.master(master);
        }
        if (master != null && isLocal(master)) {
            b.config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.ui.enabled", "false")
                    .config("spark.ui.showConsoleProgress", "false");
        }
        return b.getOrCreate();
    }

    /**
     * Tells whether a master runs in this JVM.
     *
     * @param master the master URL
     * @return true for {@code local}, {@code local[N]}, {@code local[*]}, {@code local[N,F]}
     */
    public static boolean isLocal(String master) {
        return LOCAL.matcher(master.strip()).matches();
    }

    /**
     * Returns how many tasks a local master runs at once.
     *
     * @param master a local master URL
     * @return N of {@code local[N]}, the number of cores for {@code local[*]}, 1 for {@code local}
     * @throws IllegalArgumentException if the master is not local
     */
    public static int localThreads(String master) {
        Matcher m = LOCAL.matcher(master.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException(master + " is not a local master");
        }
        String n = m.group(1);
        if (n == null) {
            return 1;
        }
        return "*".equals(n) ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(n);
    }
}
