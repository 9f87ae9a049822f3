package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.plugin.ocr.document.DocumentLimits;
import dev.capfabric.plugin.ocr.document.PdfDocument;
import dev.capfabric.plugin.ocr.image.ImageFormat;
import dev.capfabric.plugin.ocr.image.ImageHeader;
import dev.capfabric.plugin.ocr.image.ImageLimits;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.JobPart;
import dev.capfabric.spi.Payload;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.leptonica.PIX;

import java.util.ArrayList;
import java.util.List;

import static java.util.Objects.requireNonNull;
import static org.bytedeco.leptonica.global.leptonica.IFF_PNG;
import static org.bytedeco.leptonica.global.leptonica.lept_free;
import static org.bytedeco.leptonica.global.leptonica.pixDestroy;
import static org.bytedeco.leptonica.global.leptonica.pixGetHeight;
import static org.bytedeco.leptonica.global.leptonica.pixGetWidth;
import static org.bytedeco.leptonica.global.leptonica.pixReadMemFromMultipageTiff;
import static org.bytedeco.leptonica.global.leptonica.pixWriteMem;

/**
 * Cuts a document into one part per page, for the fleet to read side by side: a PDF into single-page
 * PDFs (each node renders its own pages), a multi-page TIFF into one PNG per page. A document of one
 * page, a PDF whose every page has a trusted text layer (nothing to OCR: read whole at once) and a
 * single image are not split. The limits a whole read would enforce (bytes, pages, pixels per page)
 * are enforced here, so a refused document costs the fleet nothing.
 */
final class PageSplitter {

    static final String PDF = "application/pdf";

    private final ImageLimits images;
    private final DocumentLimits documents;

    PageSplitter(ImageLimits images, DocumentLimits documents) {
        this.images = requireNonNull(images, "images is null");
        this.documents = requireNonNull(documents, "documents is null");
    }

    List<JobPart> split(Job job) throws CapabilityException {
        if (JobPart.isPart(job)) {
            return List.of();
        }
        byte[] bytes = job.input().bytes();
        if (PdfDocument.isPdf(bytes)) {
            return pdfPages(bytes);
        }
        // a single image is read whole: its header alone says so, its limits are checked where it is read
        if (ImageHeader.read(bytes).format() != ImageFormat.TIFF) {
            return List.of();
        }
        images.check(job.input());
        return tiffPages(bytes);
    }

    private List<JobPart> pdfPages(byte[] bytes) throws CapabilityException {
        if (bytes.length > images.maxBytes()) {
            throw CapabilityException.tooLarge("the PDF is " + bytes.length + " bytes; at most " + images.maxBytes() + " are accepted");
        }
        try (PdfDocument pdf = PdfDocument.open(bytes, documents)) {
            if (pdf.pageCount() < 2 || !pdf.needsOcr()) {
                return List.of();
            }
            List<JobPart> parts = new ArrayList<>(pdf.pageCount());
            for (byte[] page : pdf.pagesApart()) {
                parts.add(JobPart.of(new Payload(PDF, page)));
            }
            return parts;
        }
    }

    /** Each page of a TIFF, decoded and written as PNG; the header check bounded every directory already. */
    private List<JobPart> tiffPages(byte[] tiff) throws CapabilityException {
        List<JobPart> parts = new ArrayList<>();
        try (BytePointer data = new BytePointer(tiff); SizeTPointer offset = new SizeTPointer(1)) {
            offset.put(0L);
            do {
                if (parts.size() >= documents.maxPages()) {
                    throw CapabilityException.tooLarge("the TIFF has more than " + documents.maxPages()
                            + " pages; at most that many are read in one job");
                }
                PIX page = pixReadMemFromMultipageTiff(data, tiff.length, offset);
                if (page == null || page.isNull()) {
                    throw CapabilityException.badInput("page " + (parts.size() + 1)
                            + " of the TIFF could not be decoded: its data is corrupt or truncated");
                }
                try {
                    long pixels = (long) pixGetWidth(page) * pixGetHeight(page);
                    if (pixels > images.maxPixels()) {
                        throw CapabilityException.tooLarge("page " + (parts.size() + 1) + " of the TIFF has " + pixels
                                + " pixels; at most " + images.maxPixels() + " are accepted");
                    }
                    parts.add(JobPart.of(new Payload("image/png", png(page, parts.size()))));
                } finally {
                    pixDestroy(page);
                }
            } while (offset.get() != 0);
        }
        return parts.size() < 2 ? List.of() : parts;
    }

    private static byte[] png(PIX page, int index) throws CapabilityException {
        try (PointerPointer<BytePointer> data = new PointerPointer<>(1); SizeTPointer size = new SizeTPointer(1)) {
            if (pixWriteMem(data, size, page, IFF_PNG) != 0) {
                throw CapabilityException.internal("page " + (index + 1) + " of the TIFF could not be written as PNG", null);
            }
            BytePointer encoded = new BytePointer(data.get(0)).capacity(size.get());
            try {
                byte[] png = new byte[(int) size.get()];
                encoded.get(png);
                return png;
            } finally {
                lept_free(encoded);
            }
        }
    }
}
