package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.plugin.ocr.TestContext;
import dev.capfabric.plugin.ocr.TestJobs;
import dev.capfabric.plugin.ocr.TextImages;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.ProviderDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How the tesseract factory finds traineddata, and every way it reports itself unusable. */
class TesseractFactoryTest {

    private static final Map<String, String> ONLY_BUNDLED = Map.of("system-tessdata", "false");

    @TempDir
    Path dataDir;
    @TempDir
    Path folder;

    @Test
    void runsOnTheBundledEnglishAloneAndSaysWhereItWasExtracted() throws Exception {
        try (CapabilityProvider provider = ready(ONLY_BUNDLED, Map.of())) {
            ProviderDescription description = provider.describe();

            assertEquals(List.of("eng"), description.languages());
            Path extracted = Path.of(description.artifacts().getFirst().path());
            assertTrue(extracted.startsWith(dataDir), extracted.toString());
            assertArrayEquals(bundledEng(), Files.readAllBytes(extracted));
            assertEquals("hello world", provider.handle(TestJobs.png(TextImages.png("hello world"))).metadata().get("text"));
        }
    }

    @Test
    void advertisesEveryLanguageInTheConfiguredFolderAndRecognisesWithIt() throws Exception {
        Files.write(folder.resolve("xyz.traineddata"), bundledEng()); // an English model under another name
        try (CapabilityProvider provider = ready(Map.of("system-tessdata", "false", "tessdata", folder.toString()), Map.of())) {
            assertEquals(List.of("eng", "xyz"), provider.describe().languages());

            Map<String, Object> json = provider.handle(TestJobs.ocr(TextImages.png("hello world"), "image/png",
                    Map.of("language", "xyz"))).metadata();

            assertEquals("hello world", json.get("text"));
            assertEquals("xyz", json.get("language"));
            assertEquals("hello world", provider.handle(TestJobs.ocr(TextImages.png("hello world"), "image/png",
                    Map.of("language", "eng+xyz"))).metadata().get("text"));
        }
    }

    @Test
    void findsLanguagesInTheTessdataPrefixFolder() throws Exception {
        Files.write(folder.resolve("abc.traineddata"), bundledEng());
        try (CapabilityProvider provider = ready(ONLY_BUNDLED, Map.of("TESSDATA_PREFIX", folder.toString()))) {
            assertEquals(List.of("abc", "eng"), provider.describe().languages());
        }
    }

    @Test
    void searchesTheSystemTessdataFolders() throws Exception {
        Path debian = Path.of("/usr/share/tesseract-ocr/5/tessdata/eng.traineddata");
        try (CapabilityProvider provider = ready(Map.of(), Map.of())) {
            String engPath = provider.describe().artifacts().stream()
                    .filter(artifact -> artifact.name().equals("eng")).findFirst().orElseThrow().path();
            assertEquals(Files.exists(debian) ? debian.toString() : dataDir.resolve("bundled-tessdata/eng.traineddata").toString(), engPath);
        }
    }

    @Test
    void isUnusableWhenTheConfiguredTessdataFolderDoesNotExist() {
        String reason = unusable(Map.of("tessdata", folder.resolve("missing").toString()), Map.of());

        assertTrue(reason.contains(folder.resolve("missing") + " does not exist"), reason);
    }

    @Test
    void isUnusableWhenTheConfiguredTessdataFolderHoldsNoTraineddata() {
        String reason = unusable(Map.of("tessdata", folder.toString()), Map.of());

        assertTrue(reason.contains("holds no *.traineddata"), reason);
    }

    @Test
    void isUnusableWhenNoTraineddataIsFoundAnywhere() {
        String reason = unusable(Map.of("system-tessdata", "false", "bundled-tessdata", "false"), Map.of());

        assertTrue(reason.startsWith("no traineddata file found"), reason);
        assertTrue(reason.contains("bundled eng.traineddata is switched off"), reason);
    }

    @Test
    void isUnusableWhenTheDefaultLanguageIsNotInstalled() {
        String reason = unusable(Map.of("language", "xyz"), Map.of());

        assertTrue(reason.contains("default language 'xyz' has no traineddata"), reason);
    }

    @Test
    void isUnusableWhenTheDefaultLanguageTraineddataIsCorrupt() throws Exception {
        Files.write(folder.resolve("eng.traineddata"), "not a model".getBytes());

        String reason = unusable(Map.of("tessdata", folder.toString(), "system-tessdata", "false"), Map.of());

        assertTrue(reason.contains("could not load the traineddata for 'eng'"), reason);
    }

    @Test
    void isUnusableWhenTheDefaultLanguageTraineddataIsTruncated() throws Exception {
        byte[] eng = bundledEng();
        Files.write(folder.resolve("eng.traineddata"), java.util.Arrays.copyOf(eng, eng.length / 2));

        String reason = unusable(Map.of("tessdata", folder.toString(), "system-tessdata", "false"), Map.of());

        assertTrue(reason.contains("could not load the traineddata for 'eng'") && reason.contains("truncated"), reason);
    }

    @Test
    void loadsNoModelBeforeTheFirstJob() throws Exception {
        try (CapabilityProvider provider = ready(Map.of("concurrency", "2"), Map.of())) {
            assertTrue(provider.health().detail().contains("0 of 2 engines started"), provider.health().detail());

            assertEquals("hello", provider.handle(TestJobs.png(TextImages.png("hello"))).metadata().get("text"));

            assertTrue(provider.health().detail().contains("1 of 2 engines started"), provider.health().detail());
        }
    }

    @Test
    void aDefaultModelThatFailsToLoadOnTheFirstJobAnswersUnavailableAndReportsTheProviderDown() throws Exception {
        // a sound table of contents holding nothing but a version string: creation cannot tell, Tesseract can
        byte[] version = "4.00.00alpha".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.nio.ByteBuffer file = java.nio.ByteBuffer.allocate(4 + 24 * 8 + version.length)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(24);
        for (int entry = 0; entry < 24; entry++) {
            file.putLong(entry == 23 ? 4 + 24 * 8 : -1);
        }
        Files.write(folder.resolve("eng.traineddata"), file.put(version).array());
        try (CapabilityProvider provider = ready(Map.of("tessdata", folder.toString(), "system-tessdata", "false"), Map.of())) {
            assertTrue(provider.health().usable());

            var failure = org.junit.jupiter.api.Assertions.assertThrows(dev.capfabric.spi.CapabilityException.class,
                    () -> provider.handle(TestJobs.png(TextImages.png("hello"))));

            assertEquals(dev.capfabric.spi.CapabilityException.Kind.UNAVAILABLE, failure.kind());
            assertTrue(failure.getMessage().contains("could not load the traineddata for 'eng'"), failure.getMessage());
            assertFalse(provider.health().usable());
            assertEquals(failure.getMessage(), provider.health().detail());
        }
    }

    @Test
    void isUnusableWithAnInvalidSetting() {
        assertTrue(unusable(Map.of("concurrency", "many"), Map.of()).contains("concurrency must be a positive whole number"));
        assertTrue(unusable(Map.of("max-pixels", "0"), Map.of()).contains("max-pixels must be a positive whole number"));
        assertTrue(unusable(Map.of("system-tessdata", "maybe"), Map.of()).contains("system-tessdata must be true or false"));
    }

    @Test
    void isUnusableWithADefaultPageSegmentationModeThatReadsNoText() {
        assertTrue(unusable(Map.of("psm", "2"), Map.of()).contains("invalid configuration: psm 2 analyses the layout only"));
        assertTrue(unusable(Map.of("psm", "14"), Map.of()).contains("psm 14 is not a page segmentation mode"));
        assertTrue(unusable(Map.of("psm", "1", "system-tessdata", "false"), Map.of()).contains("psm 1 needs osd.traineddata"));
    }

    @Test
    void appliesTheConfiguredPageSegmentationModeUnlessTheJobNamesOne() throws Exception {
        List<String> lines = List.of("The meeting moved to room B-12, third floor, east wing.",
                "Water boils at 100 degrees Celsius at sea level.",
                "Each node reports its load every five seconds to the others.",
                "Invoice no. 7781 is due on the first of next month.");
        byte[] skewed = TextImages.encode(TextImages.rotate(TextImages.render(lines, new java.awt.Font(
                java.awt.Font.SERIF, java.awt.Font.PLAIN, 36)), -3), "png");
        try (CapabilityProvider provider = ready(Map.of("psm", "6"), Map.of())) {
            // one uniform block keeps skewed lines whole and in order (paragraph breaks aside)
            String text = (String) provider.handle(TestJobs.png(skewed)).metadata().get("text");
            assertEquals(String.join(" ", lines), text.replaceAll("\\s+", " "));

            String oneLine = (String) provider.handle(TestJobs.ocr(TextImages.png("first line", "second line"),
                    "image/png", Map.of("psm", "7"))).metadata().get("text");
            assertFalse(oneLine.contains("\n"), "psm 7 reads the image as one line: " + oneLine);
        }
    }

    @Test
    void reportsALanguageItCannotLoadAsUnprocessable() throws Exception {
        Files.write(folder.resolve("bad.traineddata"), "not a model".getBytes());
        // one engine, so English must be served by the engine that replaced the one that failed to load 'bad'
        try (CapabilityProvider provider = ready(Map.of("tessdata", folder.toString(), "system-tessdata", "false",
                "concurrency", "1"), Map.of())) {
            var failure = org.junit.jupiter.api.Assertions.assertThrows(dev.capfabric.spi.CapabilityException.class,
                    () -> provider.handle(TestJobs.ocr(TextImages.png("hello"), "image/png", Map.of("language", "bad"))));

            assertEquals(dev.capfabric.spi.CapabilityException.Kind.UNPROCESSABLE, failure.kind());
            assertEquals("hello", provider.handle(TestJobs.png(TextImages.png("hello"))).metadata().get("text"));
        }
    }

    private CapabilityProvider ready(Map<String, String> config, Map<String, String> environment) {
        Creation creation = new TesseractFactory(environment).create(new TestContext(config, dataDir));
        return assertInstanceOf(Creation.Ready.class, creation, creation::toString).provider();
    }

    private String unusable(Map<String, String> config, Map<String, String> environment) {
        Creation creation = new TesseractFactory(environment).create(new TestContext(config, dataDir));
        return assertInstanceOf(Creation.Unusable.class, creation, creation::toString).reason();
    }

    private static byte[] bundledEng() throws IOException {
        try (InputStream in = TessdataCatalog.class.getResourceAsStream(TessdataCatalog.BUNDLED_ENG)) {
            return in.readAllBytes();
        }
    }
}
