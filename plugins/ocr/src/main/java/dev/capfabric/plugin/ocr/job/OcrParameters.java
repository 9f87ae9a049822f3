package dev.capfabric.plugin.ocr.job;

import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Job;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * The OCR parameters of a job, validated: which language(s) to read and, optionally, how to
 * segment the page.
 *
 * @param language the requested language codes joined by {@code +} (Tesseract style, e.g.
 *                 {@code eng+deu}), if the caller named any
 * @param psm      the requested page segmentation mode, 0–13 as Tesseract numbers them, if any
 */
public record OcrParameters(Optional<String> language, OptionalInt psm) {

    /** One or more codes such as {@code eng}, {@code chi_sim} or {@code en-US}, joined by {@code +}. */
    private static final Pattern LANGUAGE = Pattern.compile("[A-Za-z0-9_-]{1,32}(\\+[A-Za-z0-9_-]{1,32}){0,7}");
    private static final int MAX_PSM = 13;

    public OcrParameters {
        requireNonNull(language, "language is null");
        requireNonNull(psm, "psm is null");
    }

    /**
     * Reads {@code language} and {@code psm} from the job's parameters.
     *
     * @throws CapabilityException {@code BAD_INPUT} for a malformed language or a psm that is not a
     *                             whole number from 0 to 13
     */
    public static OcrParameters from(Job job) throws CapabilityException {
        Optional<String> language = job.parameter("language").map(String::strip);
        if (language.isPresent() && !LANGUAGE.matcher(language.get()).matches()) {
            throw CapabilityException.badInput("language '" + abbreviate(language.get())
                    + "' is malformed: expected codes such as eng or eng+deu");
        }
        Optional<String> psmText = job.parameter("psm").map(String::strip);
        OptionalInt psm = OptionalInt.empty();
        if (psmText.isPresent()) {
            try {
                psm = OptionalInt.of(Integer.parseInt(psmText.get()));
            } catch (NumberFormatException notANumber) {
                psm = OptionalInt.of(-1);
            }
            if (psm.getAsInt() < 0 || psm.getAsInt() > MAX_PSM) {
                throw CapabilityException.badInput("psm '" + abbreviate(psmText.get())
                        + "' is not a page segmentation mode: expected a whole number from 0 to " + MAX_PSM);
            }
        }
        return new OcrParameters(language, psm);
    }

    private static String abbreviate(String value) {
        return value.length() <= 40 ? value : value.substring(0, 40) + "…";
    }
}
