package io.switchboard.attachment;

import com.oracle.svm.core.annotate.Substitute;
import com.oracle.svm.core.annotate.TargetClass;

import software.amazon.awssdk.checksums.SdkChecksum;

/**
 * The native executable is linked at build time, and three methods of the AWS SDK's checksum provider name
 * classes of the optional AWS CRT library, which Switchboard does not ship. They are only called when the SDK
 * has found that library (it checks by name first), so here they say what is missing instead. The JVM build
 * is unaffected: there the SDK's own check keeps them from running.
 */
@TargetClass(className = "software.amazon.awssdk.checksums.internal.ChecksumProvider")
final class AwsCrtAbsent {

    private AwsCrtAbsent() {
    }

    @Substitute
    static SdkChecksum createCrtCrc32C() {
        throw new UnsupportedOperationException("the AWS CRT library is not part of this build");
    }

    @Substitute
    static SdkChecksum crtXxHash(software.amazon.awssdk.checksums.spi.ChecksumAlgorithm algorithm) {
        throw new UnsupportedOperationException("XXHash checksums need the AWS CRT library, not part of this build");
    }

    @Substitute
    static SdkChecksum crc64NvmeCrtImplementation() {
        throw new UnsupportedOperationException("CRC64NVME checksums need the AWS CRT library, not part of this build");
    }
}
