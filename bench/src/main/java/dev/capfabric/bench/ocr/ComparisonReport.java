package dev.capfabric.bench.ocr;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/** The comparison as Markdown: by variant and size, by font, overall, and the machine it ran on. */
final class ComparisonReport {

    private static final int IN_PROCESS = 0;
    private static final int CLI = 1;
    private static final int CLI_ONE_THREAD = 2;
    private static final int IN_PROCESS_SINGLE_BLOCK = 3;
    private static final int HTTP_NODE = 4;


    private final List<OcrComparison.PageResult> results;
    private final List<OcrComparison.PageResult> shortResults;
    private final OcrComparison.PageResult blank;
    private final int repeats;
    private final List<String> versions;

    ComparisonReport(List<OcrComparison.PageResult> results, List<OcrComparison.PageResult> shortResults,
                     OcrComparison.PageResult blank, int repeats, List<String> versions) {
        this.results = List.copyOf(results);
        this.shortResults = List.copyOf(shortResults);
        this.blank = blank;
        this.repeats = repeats;
        this.versions = List.copyOf(versions);
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append(header());
        List<Integer> sizes = results.stream().map(r -> r.page().sizePx()).distinct().sorted().toList();
        for (PageVariant variant : PageVariant.values()) {
            for (int size : sizes) {
                if (!variant.core) {
                    continue;
                }
                row(md, variant.label + " | " + size + " px", r -> r.page().variant() == variant && r.page().sizePx() == size);
            }
        }
        for (String font : results.stream().map(r -> r.page().font()).distinct().toList()) {
            row(md, "all, font " + font + " | ", r -> r.page().font().equals(font));
        }
        row(md, "**all** | ", r -> true);

        md.append("\nShort texts, clean, 24 px, one image per font:\n\n");
        md.append(header());
        row(md, shortResults, "one word | 24 px", r -> r.page().lines().getFirst().indexOf(' ') < 0);
        row(md, shortResults, "one line | 24 px", r -> r.page().lines().getFirst().indexOf(' ') >= 0);

        md.append(String.format(Locale.ROOT, "%nOverall: CER %.2f%% in-process vs %.2f%% CLI. Median time per page: "
                        + "in-process %d ms wall / %d ms CPU; CLI %d ms wall / %d ms CPU; CLI with OMP_THREAD_LIMIT=1 %d ms "
                        + "wall / %d ms CPU. In-process wall time is %.2f of the CLI's (%.2f of the single-threaded CLI's), "
                        + "summed over all pages.%n",
                100 * cer(results, IN_PROCESS), 100 * cer(results, CLI),
                median(results, r -> r.engines().get(IN_PROCESS).wallMillis()),
                median(results, r -> r.engines().get(IN_PROCESS).cpuMillis()),
                median(results, r -> r.engines().get(CLI).wallMillis()),
                median(results, r -> r.engines().get(CLI).cpuMillis()),
                median(results, r -> r.engines().get(CLI_ONE_THREAD).wallMillis()),
                median(results, r -> r.engines().get(CLI_ONE_THREAD).cpuMillis()),
                sum(IN_PROCESS) / (double) sum(CLI), sum(IN_PROCESS) / (double) sum(CLI_ONE_THREAD)));
        if (withNode()) {
            md.append(String.format(Locale.ROOT, "%nThrough a node's HTTP API (tesseract provider): CER %.2f%%, median %d ms "
                    + "wall per page, %.2f of the CLI's wall time summed over all pages.%n", 100 * cer(results, HTTP_NODE),
                    median(results, r -> r.engines().get(HTTP_NODE).wallMillis()), sum(HTTP_NODE) / (double) sum(CLI)));
        }
        md.append(String.format(Locale.ROOT, "%nFixed cost per call (a blank page, read %d times): in-process %d ms wall / %d ms CPU; "
                        + "CLI %d ms wall / %d ms CPU; CLI with OMP_THREAD_LIMIT=1 %d ms wall / %d ms CPU.%n", 3 * repeats,
                blank.engines().get(IN_PROCESS).wallMillis(), blank.engines().get(IN_PROCESS).cpuMillis(),
                blank.engines().get(CLI).wallMillis(), blank.engines().get(CLI).cpuMillis(),
                blank.engines().get(CLI_ONE_THREAD).wallMillis(), blank.engines().get(CLI_ONE_THREAD).cpuMillis()));
        md.append(String.format(Locale.ROOT, "%nPages: %d (3 fonts × 3 sizes × 4 variants, %d lines of about 55 "
                + "characters each, PNG, no DPI set); each read %d times per engine, engines taking turns, median kept. "
                + "CER = Levenshtein distance / truth length, whitespace runs collapsed, case-sensitive.%n",
                results.size(), results.getFirst().page().lines().size(), repeats));
        md.append("\nEngines:\n");
        versions.forEach(version -> md.append("- ").append(version).append('\n'));
        md.append("\nMachine: ").append(machine()).append('\n');
        return md.toString();
    }

    private boolean withNode() {
        return results.getFirst().engines().size() > HTTP_NODE;
    }

    private String header() {
        String node = withNode() ? " CER HTTP node | wall ms HTTP node |" : "";
        return "| variant | font size | pages | CER in-process | CER CLI | CER in-process psm 6 | wall ms in-process "
                + "| wall ms CLI | wall ms CLI 1 thread | CPU ms in-process | CPU ms CLI | CPU ms CLI 1 thread |" + node + "\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + (withNode() ? "---:|---:|" : "") + "\n";
    }

    private void row(StringBuilder md, String label, Predicate<OcrComparison.PageResult> filter) {
        row(md, results, label, filter);
    }

    private void row(StringBuilder md, List<OcrComparison.PageResult> from, String label,
                     Predicate<OcrComparison.PageResult> filter) {
        List<OcrComparison.PageResult> group = from.stream().filter(filter).toList();
        if (group.isEmpty()) {
            return;
        }
        md.append(String.format(Locale.ROOT, "| %s | %d | %.2f%% | %.2f%% | %.2f%% | %d | %d | %d | %d | %d | %d |",
                label, group.size(), 100 * cer(group, IN_PROCESS), 100 * cer(group, CLI),
                100 * cer(group, IN_PROCESS_SINGLE_BLOCK),
                median(group, r -> r.engines().get(IN_PROCESS).wallMillis()),
                median(group, r -> r.engines().get(CLI).wallMillis()),
                median(group, r -> r.engines().get(CLI_ONE_THREAD).wallMillis()),
                median(group, r -> r.engines().get(IN_PROCESS).cpuMillis()),
                median(group, r -> r.engines().get(CLI).cpuMillis()),
                median(group, r -> r.engines().get(CLI_ONE_THREAD).cpuMillis())));
        if (withNode()) {
            md.append(String.format(Locale.ROOT, " %.2f%% | %d |", 100 * cer(group, HTTP_NODE),
                    median(group, r -> r.engines().get(HTTP_NODE).wallMillis())));
        }
        md.append('\n');
    }

    private long sum(int engine) {
        return results.stream().mapToLong(r -> r.engines().get(engine).wallMillis()).sum();
    }

    private static double cer(List<OcrComparison.PageResult> group, int engine) {
        long edits = group.stream().mapToLong(r -> r.engines().get(engine).edits()).sum();
        long length = group.stream().mapToLong(OcrComparison.PageResult::truthLength).sum();
        return edits / (double) length;
    }

    private static long median(List<OcrComparison.PageResult> group, ToLongFunction<OcrComparison.PageResult> value) {
        long[] sorted = group.stream().mapToLong(value).sorted().toArray();
        return sorted.length == 0 ? 0 : sorted[sorted.length / 2];
    }

    private static String machine() {
        List<String> facts = new ArrayList<>();
        facts.add(cpuModel());
        facts.add(Runtime.getRuntime().availableProcessors() + " cores visible");
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            facts.add(String.format(Locale.ROOT, "%.0f GiB RAM", os.getTotalMemorySize() / (double) (1L << 30)));
            facts.add(String.format(Locale.ROOT, "load average %.1f at the end", os.getSystemLoadAverage()));
        }
        facts.add(System.getProperty("os.name") + " " + System.getProperty("os.version"));
        facts.add("JDK " + System.getProperty("java.runtime.version"));
        return String.join(", ", facts);
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).strip())
                    .findFirst().orElse("unknown CPU");
        } catch (IOException unreadable) {
            return "unknown CPU";
        }
    }
}
