package io.switchboard.attachment;

/**
 * An image's width and height from its header (PNG, GIF, JPEG, WebP), without decoding it: a decompression
 * bomb is never inflated here, and the native image needs no image library. Unknown or damaged: null.
 */
record ImageSize(int width, int height) {

    static ImageSize of(String contentType, byte[] head, int length) {
        try {
            ImageSize size = switch (contentType) {
                case "image/png" -> length >= 24 ? new ImageSize(int32(head, 16), int32(head, 20)) : null;
                case "image/gif" -> length >= 10 ? new ImageSize(u16le(head, 6), u16le(head, 8)) : null;
                case "image/jpeg" -> jpeg(head, length);
                case "image/webp" -> webp(head, length);
                default -> null;
            };
            return size != null && size.width > 0 && size.height > 0 ? size : null;
        } catch (ArrayIndexOutOfBoundsException e) {
            return null; // a header cut short
        }
    }

    /** The first start-of-frame segment's dimensions; segments before it are skipped by their lengths. */
    private static ImageSize jpeg(byte[] b, int length) {
        int at = 2;
        while (at + 9 < length) {
            if ((b[at] & 0xff) != 0xff) {
                return null;
            }
            int marker = b[at + 1] & 0xff;
            if (marker == 0xff) {
                at++; // fill byte
                continue;
            }
            boolean startOfFrame = marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
            if (startOfFrame) {
                return new ImageSize(u16be(b, at + 7), u16be(b, at + 5));
            }
            at += 2 + u16be(b, at + 2);
        }
        return null;
    }

    private static ImageSize webp(byte[] b, int length) {
        if (length < 30) {
            return null;
        }
        String chunk = new String(b, 12, 4, java.nio.charset.StandardCharsets.US_ASCII);
        return switch (chunk) {
            case "VP8 " -> new ImageSize(u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff);
            case "VP8L" -> {
                int bits = (b[21] & 0xff) | (b[22] & 0xff) << 8 | (b[23] & 0xff) << 16 | (b[24] & 0xff) << 24;
                yield new ImageSize((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
            }
            case "VP8X" -> new ImageSize(u24le(b, 24) + 1, u24le(b, 27) + 1);
            default -> null;
        };
    }

    private static int int32(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    private static int u16be(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
    }

    private static int u16le(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    private static int u24le(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16;
    }
}
