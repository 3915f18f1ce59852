package org.layerskip.runtime;

import org.testng.Assert;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The library's thread defaults reach LibTorch without any launcher: child JVMs start the engine
 * the way an application does ({@link ThreadProbe}), with OpenMP printing the settings it read at
 * load time ({@code OMP_DISPLAY_ENV=VERBOSE}; libgomp shows {@code GOMP_SPINCOUNT = '0'} only for
 * the passive policy, 300000 when the policy is unset and 30000000000 for {@code ACTIVE}).
 */
public class ThreadDefaultsTest {

    /** A child JVM's output. */
    private record Run(int code, String out, String err) {}

    private static Run probe(Map<String, String> env, String... jvmOptions)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("-Dai.djl.offline=true");
        cmd.addAll(List.of(jvmOptions));
        cmd.add(ThreadProbe.class.getName());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        // what a notebook kernel or an IDE gives: none of the launcher's settings
        pb.environment().remove(ThreadDefaults.WAIT_POLICY_ENV);
        pb.environment().remove(ThreadDefaults.NUM_THREADS_ENV);
        pb.environment().put("OMP_DISPLAY_ENV", "VERBOSE");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[][] streams = new byte[2][];
        Thread err =
                new Thread(
                        () -> {
                            try {
                                streams[1] = p.getErrorStream().readAllBytes();
                            } catch (IOException e) {
                                streams[1] = e.toString().getBytes(StandardCharsets.UTF_8);
                            }
                        });
        err.start();
        streams[0] = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            Assert.fail("the probe JVM did not finish in 120 s");
        }
        err.join();
        Run r =
                new Run(
                        p.exitValue(),
                        new String(streams[0], StandardCharsets.UTF_8),
                        new String(streams[1], StandardCharsets.UTF_8));
        Assert.assertEquals(r.code(), 0, r.err());
        return r;
    }

    private static String spinCount(Run r) {
        return r.err()
                .lines()
                .filter(l -> l.contains("GOMP_SPINCOUNT"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("OpenMP printed no settings:\n" + r.err()))
                .trim();
    }

    private static int threads(Run r) {
        return r.out()
                .lines()
                .filter(l -> l.startsWith("intra-op threads "))
                .mapToInt(l -> Integer.parseInt(l.substring("intra-op threads ".length()).trim()))
                .findFirst()
                .orElseThrow(() -> new AssertionError(r.out()));
    }

    @Test
    public void intraOpThreadsAreHalfTheProcessorsWithinOneToEight() {
        Assert.assertEquals(ThreadDefaults.intraOpThreads(1), 1);
        Assert.assertEquals(ThreadDefaults.intraOpThreads(2), 1);
        Assert.assertEquals(ThreadDefaults.intraOpThreads(3), 1);
        Assert.assertEquals(ThreadDefaults.intraOpThreads(4), 2);
        Assert.assertEquals(ThreadDefaults.intraOpThreads(16), 8);
        Assert.assertEquals(ThreadDefaults.intraOpThreads(128), 8);
    }

    @Test(groups = "slow")
    public void defaultsReachOpenMpAndLibTorchBeforeTheEngineStarts() throws Exception {
        Run r = probe(Map.of());
        Assert.assertEquals(spinCount(r), "GOMP_SPINCOUNT = '0'", "passive waiting");
        Assert.assertEquals(
                threads(r),
                ThreadDefaults.intraOpThreads(Runtime.getRuntime().availableProcessors()));
    }

    @Test(groups = "slow")
    public void theUsersSettingsWin() throws Exception {
        Run r =
                probe(
                        Map.of(ThreadDefaults.WAIT_POLICY_ENV, "ACTIVE"),
                        "-D" + ThreadDefaults.NUM_THREADS_PROPERTY + "=2");
        Assert.assertEquals(
                spinCount(r), "GOMP_SPINCOUNT = '30000000000'", "the user's ACTIVE policy");
        Assert.assertEquals(threads(r), 2);
        Run omp = probe(Map.of(ThreadDefaults.NUM_THREADS_ENV, "2"));
        Assert.assertEquals(threads(omp), 2, "OMP_NUM_THREADS is the user's choice too");
        Assert.assertEquals(spinCount(omp), "GOMP_SPINCOUNT = '0'");
    }

    @Test(groups = "slow")
    public void defaultsCanBeTurnedOff() throws Exception {
        Run r = probe(Map.of(), "-D" + ThreadDefaults.DISABLE_PROPERTY + "=false");
        Assert.assertEquals(spinCount(r), "GOMP_SPINCOUNT = '300000'", "OpenMP's own default");
    }
}
