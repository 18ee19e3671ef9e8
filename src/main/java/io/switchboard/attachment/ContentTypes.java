package io.switchboard.attachment;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;

import org.apache.tika.metadata.Metadata;
import org.apache.tika.metadata.TikaCoreProperties;
import org.apache.tika.mime.MediaType;
import org.apache.tika.mime.MimeTypes;

import io.switchboard.config.SwitchboardConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * What a file is, from its first bytes (Apache Tika's magic database), never from the client's Content-Type.
 * The file name only refines a container the bytes already show (a ZIP named {@code .docx} is a Word
 * document; a PNG named {@code .pdf} stays a PNG, an HTML page named {@code .png} stays HTML and is refused).
 */
@ApplicationScoped
class ContentTypes {

    /** Bytes the detection looks at: more than every magic pattern of the allowed types needs. */
    static final int SNIFF_BYTES = 8192;

    /** Images every browser decodes without running anything: shown inline. SVG is not one of them. */
    private static final Set<String> INLINE = Set.of("image/png", "image/jpeg", "image/gif", "image/webp");

    private final MimeTypes types = MimeTypes.getDefaultMimeTypes();
    private final Set<String> allowed;

    @Inject
    ContentTypes(SwitchboardConfig config) {
        this.allowed = Set.copyOf(config.attachments().allowedTypes());
    }

    /** The detected type of a file that starts with {@code head} and is called {@code name}, without parameters. */
    String detect(byte[] head, String name) {
        Metadata metadata = new Metadata();
        metadata.set(TikaCoreProperties.RESOURCE_NAME_KEY, name);
        try {
            MediaType type = types.detect(new ByteArrayInputStream(head), metadata);
            return type.getBaseType().toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
    }

    boolean allowed(String type) {
        return allowed.contains(type);
    }

    static boolean inline(String type) {
        return INLINE.contains(type);
    }
}
