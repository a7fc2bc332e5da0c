package dev.kdumpbridge.dap;

import java.util.Locale;

/**
 * The DAP base protocol's framing: {@code Content-Length: N\r\n\r\n} then N bytes of JSON
 * (reference 09 section 1). Other header fields are allowed and ignored.
 */
final class ContentLength {
    /** Largest message accepted: far above any request, small enough that a bad length cannot exhaust memory. */
    static final int MAX_MESSAGE = 16 << 20;
    /** Largest header block accepted before its blank line. */
    static final int MAX_HEADER = 4096;

    private ContentLength() {
    }

    /**
     * The body length the header block announces.
     *
     * @throws IllegalArgumentException when there is no valid Content-Length or it is too large
     */
    static int parse(String headers) {
        int length = -1;
        for (String field : headers.split("\r\n")) {
            int colon = field.indexOf(':');
            if (colon > 0 && field.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
                String value = field.substring(colon + 1).trim();
                if (!value.matches("\\d{1,9}")) {
                    throw new IllegalArgumentException("Content-Length is not a number: " + value);
                }
                length = Integer.parseInt(value);
            }
        }
        if (length < 0) {
            throw new IllegalArgumentException("no Content-Length in the header: " + headers.strip());
        }
        if (length > MAX_MESSAGE) {
            throw new IllegalArgumentException("a message of " + length + " bytes is over the limit of " + MAX_MESSAGE);
        }
        return length;
    }

    static byte[] frame(byte[] body) {
        byte[] header = ("Content-Length: " + body.length + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] framed = new byte[header.length + body.length];
        System.arraycopy(header, 0, framed, 0, header.length);
        System.arraycopy(body, 0, framed, header.length, body.length);
        return framed;
    }
}
