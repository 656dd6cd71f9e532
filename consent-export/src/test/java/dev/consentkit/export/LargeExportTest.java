package dev.consentkit.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** The export streams: a million entries go out of a JVM whose heap is limited to 64 MiB. */
class LargeExportTest {

    private static final long ENTRIES = 1_000_000;

    @Test
    void aMillionEntriesExportToJsonLinesWithin64MiBOfHeap() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(List.of(
                        java.toString(),
                        "-Xmx64m",
                        "-XX:+ExitOnOutOfMemoryError",
                        "-cp",
                        System.getProperty("java.class.path"),
                        LargeExport.class.getName(),
                        Long.toString(ENTRIES)))
                .redirectErrorStream(true)
                .start();
        // read the output beside the wait, so that the deadline holds even when the child hangs
        CompletableFuture<String> reading = CompletableFuture.supplyAsync(() -> readAll(child.getInputStream()));
        boolean finished = child.waitFor(5, TimeUnit.MINUTES);
        if (!finished) {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String output = reading.get(30, TimeUnit.SECONDS);

        assertThat(finished)
                .as("child finished within 5 minutes; output: %s", output)
                .isTrue();
        assertThat(child.exitValue()).as("exit code; output: %s", output).isZero();
        Map<String, String> counts = new HashMap<>();
        String summary =
                output.lines().filter(l -> l.startsWith("entries=")).findFirst().orElseThrow();
        for (String part : summary.split(" ")) {
            String[] kv = part.split("=", 2);
            counts.put(kv[0], kv[1]);
        }
        assertThat(counts)
                .containsEntry("entries", Long.toString(ENTRIES))
                .containsEntry("lines", Long.toString(ENTRIES));
        assertThat(Long.parseLong(counts.get("bytes"))).isGreaterThan(ENTRIES * 300);

        String last = output.lines()
                .filter(l -> l.startsWith("last="))
                .findFirst()
                .orElseThrow()
                .substring(5);
        Map<String, Object> parsed = JsonMapper.builder().build().readValue(last, Map.class);
        Map<String, String> actual = new LinkedHashMap<>();
        parsed.forEach((k, v) -> actual.put(k, Objects.toString(v)));
        Map<String, String> expected = new LinkedHashMap<>();
        AuditExporter.fields(GeneratedLog.entry(ENTRIES - 1, 200_000)).forEach((k, v) -> {
            if (v != null) {
                expected.put(k, v.toString());
            }
        });
        assertThat(actual).isEqualTo(expected);
    }

    private static String readAll(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
