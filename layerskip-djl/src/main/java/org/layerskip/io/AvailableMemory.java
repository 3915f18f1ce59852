package org.layerskip.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How much memory a new allocation can take without swapping or being killed: the kernel's {@code
 * MemAvailable} estimate, lowered to the headroom under this process's cgroup memory limit when one
 * is set (cgroup v2 {@code memory.max}, or v1 {@code memory.limit_in_bytes}; reclaimable page
 * cache, {@code inactive_file}, counts as free). Linux only; elsewhere nothing is known and no
 * check is made. Read by hand because the JDK reports neither figure.
 *
 * @param bytes the bytes available
 * @param source where the figure comes from, for messages
 */
record AvailableMemory(long bytes, String source) {

    private static final Path MEMINFO = Paths.get("/proc/meminfo");
    private static final Path CGROUP = Paths.get("/proc/self/cgroup");
    private static final Path CGROUP_ROOT = Paths.get("/sys/fs/cgroup");

    /** Values at or above this are "no limit" (cgroup v1 writes a page-rounded Long.MAX_VALUE). */
    private static final long UNLIMITED = 1L << 60;

    /**
     * Returns the memory available to this process now.
     *
     * @return the figure, or empty where it cannot be read
     */
    static Optional<AvailableMemory> now() {
        OptionalLong meminfo = memAvailable(read(MEMINFO));
        OptionalLong cgroup = cgroupHeadroom();
        if (meminfo.isPresent()
                && (cgroup.isEmpty() || meminfo.getAsLong() <= cgroup.getAsLong())) {
            return Optional.of(
                    new AvailableMemory(meminfo.getAsLong(), "MemAvailable in " + MEMINFO));
        }
        if (cgroup.isPresent()) {
            return Optional.of(
                    new AvailableMemory(cgroup.getAsLong(), "this process's cgroup memory limit"));
        }
        return Optional.empty();
    }

    /**
     * Parses {@code MemAvailable: N kB} out of {@code /proc/meminfo} text.
     *
     * @param meminfo the file's text, or null
     * @return the bytes, or empty if absent
     */
    static OptionalLong memAvailable(String meminfo) {
        if (meminfo == null) {
            return OptionalLong.empty();
        }
        for (String line : meminfo.split("\n")) {
            if (line.startsWith("MemAvailable:")) {
                String[] parts = line.substring("MemAvailable:".length()).trim().split("\\s+");
                try {
                    long value = Long.parseLong(parts[0]);
                    return OptionalLong.of(
                            parts.length > 1 && parts[1].equals("kB") ? value * 1024 : value);
                } catch (NumberFormatException e) {
                    return OptionalLong.empty();
                }
            }
        }
        return OptionalLong.empty();
    }

    /**
     * Computes the headroom under a cgroup limit: {@code limit - (usage - inactive_file)}.
     *
     * @param limit the limit file's text ({@code max} or a number), or null
     * @param usage the usage file's text, or null
     * @param stat the {@code memory.stat} text, or null
     * @param inactiveKey the stat key of reclaimable file cache ({@code inactive_file} in v2,
     *     {@code total_inactive_file} in v1)
     * @return the headroom (never negative), or empty if there is no limit or it cannot be read
     */
    static OptionalLong headroom(String limit, String usage, String stat, String inactiveKey) {
        OptionalLong max = number(limit);
        OptionalLong used = number(usage);
        if (max.isEmpty() || max.getAsLong() >= UNLIMITED || used.isEmpty()) {
            return OptionalLong.empty();
        }
        long inactive = 0;
        if (stat != null) {
            for (String line : stat.split("\n")) {
                String[] parts = line.trim().split("\\s+");
                if (parts.length == 2 && parts[0].equals(inactiveKey)) {
                    inactive = number(parts[1]).orElse(0);
                }
            }
        }
        long inUse = Math.max(0, used.getAsLong() - inactive);
        return OptionalLong.of(Math.max(0, max.getAsLong() - inUse));
    }

    private static OptionalLong cgroupHeadroom() {
        String cgroups = read(CGROUP);
        if (cgroups == null) {
            return OptionalLong.empty();
        }
        for (String line : cgroups.split("\n")) {
            String[] parts = line.split(":", 3);
            if (parts.length != 3) {
                continue;
            }
            boolean v2 = parts[0].equals("0") && parts[1].isEmpty();
            boolean v1 =
                    parts[1].equals("memory")
                            || parts[1].contains("memory,")
                            || parts[1].endsWith(",memory");
            if (!v2 && !v1) {
                continue;
            }
            Path mount = v2 ? CGROUP_ROOT : CGROUP_ROOT.resolve("memory");
            String relative = parts[2].startsWith("/") ? parts[2].substring(1) : parts[2];
            // inside a container the listed path may not exist under the mount: use its root
            for (Path dir : new Path[] {mount.resolve(relative), mount}) {
                OptionalLong h =
                        v2
                                ? headroom(
                                        read(dir.resolve("memory.max")),
                                        read(dir.resolve("memory.current")),
                                        read(dir.resolve("memory.stat")),
                                        "inactive_file")
                                : headroom(
                                        read(dir.resolve("memory.limit_in_bytes")),
                                        read(dir.resolve("memory.usage_in_bytes")),
                                        read(dir.resolve("memory.stat")),
                                        "total_inactive_file");
                if (h.isPresent()) {
                    return h;
                }
                if (Files.isRegularFile(dir.resolve(v2 ? "memory.max" : "memory.limit_in_bytes"))) {
                    break; // the cgroup exists and has no limit
                }
            }
        }
        return OptionalLong.empty();
    }

    private static OptionalLong number(String text) {
        if (text == null) {
            return OptionalLong.empty();
        }
        String t = text.trim();
        if (t.equals("max")) {
            return OptionalLong.of(Long.MAX_VALUE);
        }
        try {
            return OptionalLong.of(Long.parseLong(t));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static String read(Path file) {
        try {
            return Files.isRegularFile(file)
                    ? Files.readString(file, StandardCharsets.US_ASCII)
                    : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
