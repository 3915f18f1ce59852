package org.layerskip.io;

import org.testng.Assert;
import org.testng.annotations.Test;

import java.util.Optional;
import java.util.OptionalLong;

public class AvailableMemoryTest {

    @Test
    public void parsesMemAvailable() {
        String meminfo =
                "MemTotal:       24730644 kB\nMemFree:        15000000 kB\n"
                        + "MemAvailable:   21395864 kB\nBuffers:          120000 kB\n";
        Assert.assertEquals(
                AvailableMemory.memAvailable(meminfo), OptionalLong.of(21395864L * 1024));
        Assert.assertEquals(AvailableMemory.memAvailable("MemTotal: 1 kB\n"), OptionalLong.empty());
        Assert.assertEquals(
                AvailableMemory.memAvailable("MemAvailable: lots kB\n"), OptionalLong.empty());
        Assert.assertEquals(AvailableMemory.memAvailable(null), OptionalLong.empty());
    }

    @Test
    public void cgroupHeadroomCountsInactiveFileCacheAsFree() {
        String stat = "anon 500\nfile 300\ninactive_file 200\nactive_file 100\n";
        // limit 1000, usage 900 of which 200 is reclaimable page cache: 300 left
        Assert.assertEquals(
                AvailableMemory.headroom("1000\n", "900\n", stat, "inactive_file"),
                OptionalLong.of(300));
        // v1 key
        Assert.assertEquals(
                AvailableMemory.headroom(
                        "1000", "900", "total_inactive_file 400\n", "total_inactive_file"),
                OptionalLong.of(500));
        // over the limit: nothing left, never negative
        Assert.assertEquals(
                AvailableMemory.headroom("1000", "1500", null, "inactive_file"),
                OptionalLong.of(0));
        // no limit (v2 "max", v1's page-rounded Long.MAX_VALUE) or unreadable files: no figure
        Assert.assertEquals(
                AvailableMemory.headroom("max\n", "900", stat, "inactive_file"),
                OptionalLong.empty());
        Assert.assertEquals(
                AvailableMemory.headroom("9223372036854771712", "900", stat, "inactive_file"),
                OptionalLong.empty());
        Assert.assertEquals(
                AvailableMemory.headroom(null, "900", stat, "inactive_file"), OptionalLong.empty());
        Assert.assertEquals(
                AvailableMemory.headroom("1000", null, stat, "inactive_file"),
                OptionalLong.empty());
    }

    @Test
    public void linuxReportsAFigure() {
        if (!System.getProperty("os.name").toLowerCase().contains("linux")) {
            return; // the check is Linux-only; elsewhere no figure is the documented answer
        }
        Optional<AvailableMemory> now = AvailableMemory.now();
        Assert.assertTrue(now.isPresent(), "MemAvailable is readable on Linux");
        Assert.assertTrue(now.get().bytes() > 0, now.get().toString());
        Assert.assertFalse(now.get().source().isEmpty());
    }
}
