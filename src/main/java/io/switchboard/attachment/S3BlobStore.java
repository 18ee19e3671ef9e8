package io.switchboard.attachment;

import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.switchboard.config.SwitchboardConfig;
import io.vertx.core.buffer.Buffer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Attachments' bytes in an S3-compatible object store: one object per chunk ({@code prefix + id + "/" + n}),
 * written and read as uploads and downloads stream, through the AWS SDK's S3 client. Its calls block, so they
 * run on worker threads; uploads and downloads are bounded ({@link UploadBudget}, one chunk in flight each), so
 * the workers are too. Metadata, access checks and links stay in PostgreSQL, as with the default store.
 */
@ApplicationScoped
@Typed(S3BlobStore.class)
class S3BlobStore implements BlobStore {

    private final S3Client s3;
    private final String bucket;
    private final String prefix;

    @Inject
    S3BlobStore(SwitchboardConfig config) {
        SwitchboardConfig.Attachments.S3 settings = config.attachments().s3();
        this.bucket = settings.bucket().orElseThrow(() -> new IllegalStateException(
                "switchboard.attachments.store=s3 needs switchboard.attachments.s3.bucket"));
        this.prefix = settings.prefix();
        AwsCredentialsProvider credentials = settings.accessKeyId().isPresent()
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKeyId().get(),
                        settings.secretAccessKey().orElseThrow(() -> new IllegalStateException(
                                "switchboard.attachments.s3.access-key-id needs a secret-access-key"))))
                : DefaultCredentialsProvider.builder().build();
        S3ClientBuilder builder = S3Client.builder().httpClient(UrlConnectionHttpClient.builder().build())
                .region(Region.of(settings.region())).credentialsProvider(credentials)
                .forcePathStyle(settings.pathStyle())
                // Checksums only where S3 requires them: the SDK's default trailing checksums (2.30 and later)
                // are refused by many S3-compatible services; each chunk is hashed by the upload anyway.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        settings.endpoint().ifPresent(builder::endpointOverride);
        this.s3 = builder.build();
    }

    @PreDestroy
    void close() {
        s3.close();
    }

    @Override
    public Uni<Void> put(UUID id, int n, Buffer bytes) {
        return blocking(() -> {
            s3.putObject(r -> r.bucket(bucket).key(key(id, n)).contentLength((long) bytes.length()),
                    RequestBody.fromBytes(bytes.getBytes()));
            return null;
        });
    }

    @Override
    public Uni<Buffer> get(UUID id, int n) {
        return blocking(() -> Buffer.buffer(s3.getObjectAsBytes(r -> r.bucket(bucket).key(key(id, n))).asByteArray()));
    }

    /** Every chunk under each id's prefix (also of uploads cut short, whose chunk count nobody knows). */
    @Override
    public Uni<Void> delete(List<UUID> ids) {
        return blocking(() -> {
            for (UUID id : ids) {
                String continuation = null;
                do {
                    String token = continuation;
                    ListObjectsV2Response page = s3.listObjectsV2(r -> r.bucket(bucket).prefix(prefix + id + "/")
                            .continuationToken(token));
                    // One DeleteObject per chunk (at most 40 for a 10 MB file): DeleteObjects needs a checksum
                    // header that several S3-compatible services do not implement.
                    for (S3Object object : page.contents()) {
                        s3.deleteObject(r -> r.bucket(bucket).key(object.key()));
                    }
                    continuation = page.isTruncated() ? page.nextContinuationToken() : null;
                } while (continuation != null);
            }
            return null;
        });
    }

    /** The keys of one attachment's stored chunks (tests). */
    List<String> keys(UUID id) {
        return s3.listObjectsV2(r -> r.bucket(bucket).prefix(prefix + id + "/")).contents().stream().map(S3Object::key).toList();
    }

    private String key(UUID id, int n) {
        return prefix + id + "/" + n;
    }

    private static <T> Uni<T> blocking(Supplier<T> call) {
        return Uni.createFrom().item(call).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }
}
