package dev.capfabric.bench.ocr;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code tesseract} command line tool, one process per page, as a server shelling out to it
 * would run it. Writing the page to a file happens before the clock starts. The process runs under
 * {@code bash -c '...; times'} so its CPU time can be read (bash adds a millisecond or two of wall
 * time). Optionally with {@code OMP_THREAD_LIMIT=1}, the setting Tesseract's documentation advises
 * when several instances share the cores: the Debian build parallelises with OpenMP, and its
 * spinning threads cost dearly on a busy machine.
 */
final class TesseractCli implements OcrEngine {

    private static final Pattern TIMES = Pattern.compile("(\\d+)m([\\d.]+)s (\\d+)m([\\d.]+)s");

    private final Path folder;
    private final boolean singleThreaded;
    private final Map<SamplePage, Path> files = new IdentityHashMap<>();

    TesseractCli(Path folder, boolean singleThreaded) {
        this.folder = folder;
        this.singleThreaded = singleThreaded;
    }

    @Override
    public String name() {
        return singleThreaded ? "tesseract CLI, OMP_THREAD_LIMIT=1" : "tesseract CLI";
    }

    @Override
    public String version() {
        try {
            Process process = new ProcessBuilder("tesseract", "--version").redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor();
            return output.lines().findFirst().orElse("?").strip() + " (Debian package tesseract-ocr, with OpenMP)";
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("the tesseract CLI is not installed (Debian: tesseract-ocr)", e);
        }
    }

    @Override
    public Reading read(SamplePage page) throws Exception {
        Path file = files.get(page);
        if (file == null) {
            file = folder.resolve("page-" + files.size() + ".png");
            Files.write(file, page.encoded());
            files.put(page, file);
        }
        ProcessBuilder command = new ProcessBuilder("bash", "-c",
                "tesseract \"$0\" stdout -l eng 2>/dev/null; status=$?; times; exit $status", file.toString());
        if (singleThreaded) {
            command.environment().put("OMP_THREAD_LIMIT", "1");
        }
        long start = System.nanoTime();
        Process process = command.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = process.waitFor();
        long wall = System.nanoTime() - start;
        if (status != 0) {
            throw new IllegalStateException("tesseract exited with " + status + " on " + file);
        }
        List<String> lines = output.lines().toList();
        // 'times' prints the shell's own CPU time, then its children's: the last line is tesseract's
        Matcher children = TIMES.matcher(lines.getLast());
        if (lines.size() < 2 || !children.matches()) {
            throw new IllegalStateException("no CPU times in the output: " + output);
        }
        long cpu = seconds(children.group(1), children.group(2)) + seconds(children.group(3), children.group(4));
        String text = String.join("\n", lines.subList(0, lines.size() - 2));
        return new Reading(text.strip(), wall, cpu);
    }

    private static long seconds(String minutes, String seconds) {
        return Math.round((Long.parseLong(minutes) * 60 + Double.parseDouble(seconds)) * 1e9);
    }

    @Override
    public void close() {
    }
}
