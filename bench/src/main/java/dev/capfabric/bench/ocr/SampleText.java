package dev.capfabric.bench.ocr;

import java.util.ArrayList;
import java.util.List;

/** The text drawn on the pages: plain English prose with digits and punctuation, chosen in a fixed order. */
final class SampleText {

    private static final List<String> SENTENCES = List.of(
            "The shipment of 240 boxes left the warehouse on 12 March 2024.",
            "Please call the front desk at extension 4417 before noon.",
            "Our quarterly revenue grew by 8.5% while costs fell slightly.",
            "Keep the receipt; returns are accepted within 30 days.",
            "The meeting moved to room B-12, third floor, east wing.",
            "Water boils at 100 degrees Celsius at sea level.",
            "Each node reports its load every five seconds to the others.",
            "Invoice no. 7781 is due on the first of next month.",
            "She planted tomatoes, basil and two rows of lettuce.",
            "The train to Leeds departs from platform 9 at 17:45.",
            "Total weight: 3.2 kg, dimensions 40 x 30 x 20 cm.",
            "Never leave the lab door open after six in the evening.");

    private SampleText() {
    }

    /** The {@code count} lines for page number {@code page}, cycling through the sentences. */
    static List<String> linesFor(int page, int count) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            lines.add(SENTENCES.get((page * count + i) % SENTENCES.size()));
        }
        return lines;
    }
}
