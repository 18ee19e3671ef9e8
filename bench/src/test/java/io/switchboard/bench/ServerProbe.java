package io.switchboard.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Samples the service process from outside: heap used after a full GC (jcmd), RSS and threads
 * ({@code /proc/<pid>/status}) and open file descriptors, in KiB and counts. Empty without a pid. Also the
 * CPU seconds (user + system) the service and every PostgreSQL process have used, for figures over a window.
 */
final class ServerProbe {

    private final String pid;

    ServerProbe(String pid) {
        this.pid = pid;
    }

    Map<String, Long> sample() {
        Map<String, Long> s = new LinkedHashMap<>();
        if (pid.isEmpty()) {
            return s;
        }
        try {
            run("jcmd", pid, "GC.run");
            // G1: "garbage-first heap total …K, used …K"; Serial/Parallel: one line per generation.
            Matcher used = Pattern.compile("(?:generation|heap)\\s+total \\d+K, used (\\d+)K").matcher(run("jcmd", pid, "GC.heap_info"));
            long heap = 0;
            boolean found = false;
            while (used.find()) {
                heap += Long.parseLong(used.group(1));
                found = true;
            }
            if (found) {
                s.put("heapUsedKb", heap);
            }
            for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
                if (line.startsWith("VmRSS:")) {
                    s.put("rssKb", Long.parseLong(line.replaceAll("\\D", "")));
                }
                if (line.startsWith("Threads:")) {
                    s.put("threads", Long.parseLong(line.replaceAll("\\D", "")));
                }
            }
            s.put("fds", (long) new File("/proc/" + pid + "/fd").list().length);
        } catch (IOException e) {
            s.put("error", 1L);
        }
        return s;
    }

    /** CPU seconds the service has used so far (0 without a pid). */
    double serverCpuSeconds() {
        return pid.isEmpty() ? 0 : cpuSeconds(Path.of("/proc", pid, "stat"));
    }

    /** CPU seconds every process named {@code postgres} has used so far (the benchmark's database). */
    static double postgresCpuSeconds() {
        double total = 0;
        File[] processes = new File("/proc").listFiles((dir, name) -> name.chars().allMatch(Character::isDigit));
        for (File process : processes == null ? new File[0] : processes) {
            try {
                if (procfs(process.toPath().resolve("comm")).trim().equals("postgres")) {
                    total += cpuSeconds(process.toPath().resolve("stat"));
                }
            } catch (IOException e) { // gone meanwhile
            }
        }
        return total;
    }

    /** utime + stime of /proc/<pid>/stat, in seconds (clock ticks of 1/100 s). */
    private static double cpuSeconds(Path stat) {
        try {
            String line = procfs(stat);
            String[] fields = line.substring(line.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** A procfs file, read as a stream: its size is 0, and Files.readString (JDK 17) reads one byte of it. */
    private static String procfs(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            return new String(in.readAllBytes());
        }
    }

    private static String run(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }
}
