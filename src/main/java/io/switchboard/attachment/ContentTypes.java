package io.switchboard.attachment;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.apache.tika.metadata.Metadata;
import org.apache.tika.metadata.TikaCoreProperties;
import org.apache.tika.mime.MimeTypeException;
import org.apache.tika.mime.MimeTypes;

import io.switchboard.config.SwitchboardConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * What a file is, from its first bytes (Apache Tika's magic database), never from the client's Content-Type.
 * The file name only refines a container the bytes already show, and only when they show it: a ZIP named
 * {@code .docx} is a Word document only if its entries are an Office package's ({@code [Content_Types].xml},
 * {@code word/…}); any other ZIP stays an archive and is refused. A PNG named {@code .pdf} stays a PNG, an HTML
 * page named {@code .png} stays HTML and is refused. The stored name's extension then follows the type
 * ({@link #nameFor}).
 */
@ApplicationScoped
class ContentTypes {

    /** Office Open XML types (Word, Excel, PowerPoint and their variants): ZIP containers Tika names by extension. */
    private static final String OOXML = "application/vnd.openxmlformats-officedocument.";

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
            String type = types.detect(new ByteArrayInputStream(head), metadata).getBaseType().toString();
            if (type.startsWith(OOXML) && !OfficePackage.is(head, type)) {
                return "application/zip"; // a ZIP with another name: what its bytes show
            }
            return type;
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
    }

    /**
     * {@code name} with an extension that says {@code type}: kept when it is one of the type's extensions
     * ({@code .jpeg} and {@code .jpg} alike), otherwise the wrong one is replaced by the type's own
     * ({@code x.png.html} holding a PNG is stored as {@code x.png}; {@code report} holding a PDF as
     * {@code report.pdf}). A name is never saved with an extension that makes a browser or a desktop open it as
     * something else.
     */
    String nameFor(String name, String type) {
        List<String> extensions;
        try {
            extensions = types.forName(type).getExtensions();
        } catch (MimeTypeException e) {
            return name;
        }
        if (extensions.isEmpty()) {
            return name;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        for (String extension : extensions) {
            if (lower.endsWith(extension) && lower.length() > extension.length()) {
                return name;
            }
        }
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 && name.length() - dot <= 10 ? name.substring(0, dot) : name;
        String lowerStem = stem.toLowerCase(Locale.ROOT);
        for (String extension : extensions) {
            if (lowerStem.endsWith(extension) && lowerStem.length() > extension.length()) {
                return stem; // x.png.html holding a PNG: x.png
            }
        }
        return FileNames.sanitise(stem + extensions.get(0));
    }

    boolean allowed(String type) {
        return allowed.contains(type);
    }

    static boolean inline(String type) {
        return INLINE.contains(type);
    }
}
