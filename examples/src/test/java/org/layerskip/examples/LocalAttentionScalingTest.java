package org.layerskip.examples;

import org.testng.Assert;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

public class LocalAttentionScalingTest {

    @Test
    public void localKvMemoryIsFlatAndFullGrows() throws Exception {
        Path out = Files.createTempDirectory("scaling");
        List<LocalAttentionScaling.Point> points =
                LocalAttentionScaling.runExample(
                        "--lengths",
                        "32,96",
                        "--window",
                        "8",
                        "--dim",
                        "48",
                        "--layers",
                        "2",
                        "--out",
                        out.toString());
        Assert.assertEquals(points.size(), 6);
        for (int i = 0; i < points.size(); i += 2) {
            LocalAttentionScaling.Point shortRun = points.get(i);
            LocalAttentionScaling.Point longRun = points.get(i + 1);
            if (shortRun.attention().equals("full")) {
                Assert.assertTrue(longRun.kvCacheBytes() > 2 * shortRun.kvCacheBytes());
            } else {
                Assert.assertEquals(
                        longRun.kvCacheBytes(), shortRun.kvCacheBytes(), shortRun.attention());
            }
            Assert.assertTrue(longRun.tokensPerSecond() > 0);
        }
        Assert.assertTrue(Files.size(out.resolve("kv-memory.png")) > 1000);
        Assert.assertTrue(Files.readString(out.resolve("scaling.csv")).startsWith("attention,"));
    }
}
