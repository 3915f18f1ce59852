package org.layerskip.examples;

import org.testng.Assert;
import org.testng.annotations.Test;

/** The server load test runs end to end with tiny limits (the real run is in the README). */
public class ServerBenchmarkSmokeTest {

    @Test(groups = "slow")
    public void runsEveryCellAndSamplesMemory() throws Exception {
        ServerBenchmark.Result r =
                ServerBenchmark.runExample(
                        "--requests",
                        "2",
                        "--max-tokens",
                        "4",
                        "--soak",
                        "100",
                        "--soak-tokens",
                        "2");
        Assert.assertEquals(r.rows().size(), 8);
        for (ServerBenchmark.Row row : r.rows()) {
            Assert.assertTrue(row.completionTokens() > 0, row.toString());
            Assert.assertTrue(row.requests() >= 2 * row.concurrency(), row.toString());
            Assert.assertTrue(
                    row.ttftP50Ms() > 0 && row.ttftP95Ms() >= row.ttftP50Ms(), row.toString());
        }
        Assert.assertEquals(r.rssMiB().size(), 2);
        Assert.assertTrue(r.rssMiB().get(0) > 0, r.rssMiB().toString());
    }
}
