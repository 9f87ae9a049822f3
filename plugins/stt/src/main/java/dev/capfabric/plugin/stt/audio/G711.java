package dev.capfabric.plugin.stt.audio;

/** Expands ITU-T G.711 A-law and µ-law bytes to 16-bit linear samples. */
final class G711 {

    private G711() {
    }

    static int mulaw(byte encoded) {
        int value = ~encoded & 0xff;
        int exponent = (value >> 4) & 0x07;
        int magnitude = ((((value & 0x0f) << 3) + 0x84) << exponent) - 0x84;
        return (value & 0x80) != 0 ? -magnitude : magnitude;
    }

    static int alaw(byte encoded) {
        int value = (encoded ^ 0x55) & 0xff;
        int exponent = (value >> 4) & 0x07;
        int mantissa = value & 0x0f;
        int magnitude = exponent == 0
                ? (mantissa << 4) + 8
                : ((mantissa << 4) + 0x108) << (exponent - 1);
        // in A-law a set sign bit means a positive sample
        return (value & 0x80) != 0 ? magnitude : -magnitude;
    }
}
