/**
 * OCR providers for capfabric: {@code tesseract} (Tesseract in process, through JavaCPP) and
 * {@code vision-llm} (a vision language model behind Ollama's or an OpenAI-compatible API).
 */
module capfabric.plugin.ocr {
    requires capfabric.spi;
    requires java.net.http;
    requires com.fasterxml.jackson.jr.ob;
    requires org.bytedeco.javacpp;
    requires org.bytedeco.leptonica;
    requires org.bytedeco.tesseract;
    requires org.apache.pdfbox;
    requires java.desktop; // javax.imageio: run-length encoded BMP (Leptonica does not read it); PDFBox's rendering

    provides dev.capfabric.spi.ProviderFactory with
            dev.capfabric.plugin.ocr.tesseract.TesseractFactory,
            dev.capfabric.plugin.ocr.visionllm.VisionLlmFactory;
}
