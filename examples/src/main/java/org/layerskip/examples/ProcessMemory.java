package org.layerskip.examples;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * This process's memory and CPU time as Linux reports them ({@code /proc/self/status} {@code VmRSS}
 * and {@code VmHWM}, {@code /proc/self/stat} user and system time), plus the JVM's direct-buffer
 * pool. Read by hand: the JDK exposes neither resident nor peak resident memory. Every figure is -1
 * where {@code /proc} cannot be read.
 */
final class ProcessMemory {

    private static final Path STATUS = Paths.get("/proc/self/status");
    private static final Path STAT = Paths.get("/proc/self/stat");
    private static final Path CLEAR_REFS = Paths.get("/proc/self/clear_refs");

    /** Clock ticks per second of {@code /proc/self/stat} ({@code USER_HZ}, 100 on Linux). */
    private static final double TICKS_PER_SECOND = 100.0;

    private ProcessMemory() {}

    /**
     * Returns the resident set size now.
     *
     * @return bytes, or -1
     */
    static long residentBytes() {
        return statusKb("VmRSS:");
    }

    /**
     * Returns the anonymous part of the resident set (heap, native allocations; not mapped files
     * such as libtorch's code).
     *
     * @return bytes, or -1
     */
    static long anonymousBytes() {
        return statusKb("RssAnon:");
    }

    /**
     * Returns the peak resident set size (since start or the last {@link #resetPeak}).
     *
     * @return bytes, or -1
     */
    static long peakResidentBytes() {
        return statusKb("VmHWM:");
    }

    /**
     * Resets the peak resident set size to the current one (Linux 4.0+: writing 5 to {@code
     * clear_refs}), so a later peak measures one phase only.
     *
     * @return whether the kernel accepted it
     */
    static boolean resetPeak() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Returns the process's user and system CPU time so far.
     *
     * @return {user, system} seconds, or {-1, -1}
     */
    static double[] cpuSeconds() {
        try {
            String stat = Files.readString(STAT, StandardCharsets.US_ASCII);
            // fields after the parenthesised command name; utime and stime are fields 14 and 15
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new double[] {
                Long.parseLong(f[11]) / TICKS_PER_SECOND, Long.parseLong(f[12]) / TICKS_PER_SECOND
            };
        } catch (IOException | RuntimeException e) {
            return new double[] {-1, -1};
        }
    }

    /**
     * Returns the bytes held by live Java direct buffers ({@code ByteBuffer.allocateDirect}; views
     * of engine memory are not counted).
     *
     * @return bytes, or -1 if the pool is not reported
     */
    static long directBufferBytes() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getMemoryUsed();
            }
        }
        return -1;
    }

    private static long statusKb(String key) {
        try {
            for (String line : Files.readAllLines(STATUS, StandardCharsets.US_ASCII)) {
                if (line.startsWith(key)) {
                    String[] parts = line.substring(key.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
