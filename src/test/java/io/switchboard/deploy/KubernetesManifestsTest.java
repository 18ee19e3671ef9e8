package io.switchboard.deploy;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.identity.AdminPassword;
import io.switchboard.support.ConnectionBudget;
import io.switchboard.support.KubernetesApiModels;
import io.switchboard.support.Skips;

/**
 * Validates k8s/ offline and strictly, as kustomize renders each variant an operator can apply: the default
 * (in-cluster PostgreSQL, Gateway API), the managed-PostgreSQL overlay, and the default with each optional
 * component (ingress-nginx instead of the Gateway API; the Prometheus operator's PodMonitor).
 * <ul>
 * <li>every document is valid for the official Kubernetes API models of two releases (1.30 and 1.36:
 * kubernetes-client/java, generated from each release's OpenAPI document) and parses into the fabric8
 * models with unknown fields rejected; the custom resources (Gateway API, PodMonitor) parse strictly into
 * theirs;</li>
 * <li>the pieces refer to each other (names after kustomize's hashing, keys, selectors, ports, routes), and
 * the NetworkPolicies let exactly the flows through that the app needs: edge → app port, monitoring →
 * management port, app → its database (in the cluster or at the configured CIDR and port), backup →
 * database.</li>
 * </ul>
 * Rendering needs {@code kubectl} (or {@code kustomize}) on the PATH; without one the test is skipped,
 * unless {@code -Dtests.strict=true} (as {@code .ci/run} sets it).
 */
@QuarkusTest
class KubernetesManifestsTest {

    @TestHTTPResource(value = "/", management = true)
    URI management;

    private static final Path DIR = Path.of("k8s");
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.ofEntries(
            Map.entry("Namespace", Namespace.class), Map.entry("ConfigMap", ConfigMap.class),
            Map.entry("Secret", Secret.class), Map.entry("Service", Service.class),
            Map.entry("Deployment", Deployment.class), Map.entry("StatefulSet", StatefulSet.class),
            Map.entry("CronJob", CronJob.class), Map.entry("PersistentVolumeClaim", PersistentVolumeClaim.class),
            Map.entry("Ingress", Ingress.class), Map.entry("NetworkPolicy", NetworkPolicy.class),
            Map.entry("PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("HorizontalPodAutoscaler", HorizontalPodAutoscaler.class),
            Map.entry("Gateway", Gateway.class), Map.entry("HTTPRoute", HTTPRoute.class),
            Map.entry("PodMonitor", PodMonitor.class));
    /** Custom resources: not in the Kubernetes API; each needs its CRDs in the cluster. */
    private static final Set<String> CUSTOM = Set.of("Gateway", "HTTPRoute", "PodMonitor");

    /** What an operator can apply: a directory in k8s/, or base plus components (written into the copy). */
    record Variant(String name, String dir, List<String> components) {
    }

    static final List<Variant> VARIANTS = List.of(
            new Variant("default", ".", List.of()),
            new Variant("managed-postgres", "overlays/managed-postgres", List.of()),
            new Variant("ingress-nginx", "variants/ingress-nginx", List.of("in-cluster-postgres", "ingress-nginx")),
            new Variant("pod-monitor", "variants/pod-monitor", List.of("in-cluster-postgres", "gateway-api", "pod-monitor")),
            new Variant("connection-autoscaling", "variants/connection-autoscaling",
                    List.of("in-cluster-postgres", "gateway-api", "connection-autoscaling")));

    static ObjectMapper strict;
    static File kubectl;
    static Path copy;
    /** Each variant's rendered documents: raw (for the official models) and parsed (for the references). */
    static final Map<String, List<JsonNode>> rendered = new LinkedHashMap<>();
    static final Map<String, List<HasMetadata>> parsed = new LinkedHashMap<>();
    /** The default variant's resources, for the checks that concern it. */
    static List<HasMetadata> resources = List.of();

    /** Jackson over the fabric8 model, with the "additionalProperties" escape hatch closed. */
    static ObjectMapper strictMapper() {
        return JsonMapper.builder().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
                .configure(MapperFeature.USE_ANNOTATIONS, true)
                .annotationIntrospector(new JacksonAnnotationIntrospector() {
                    @Override
                    public Boolean hasAnySetter(com.fasterxml.jackson.databind.introspect.Annotated a) {
                        return Boolean.FALSE;
                    }

                    @Override
                    public boolean hasAnySetterAnnotation(com.fasterxml.jackson.databind.introspect.AnnotatedMethod am) {
                        return false;
                    }

                    @Override
                    public JsonIgnoreProperties.Value findPropertyIgnoralByName(
                            com.fasterxml.jackson.databind.cfg.MapperConfig<?> config,
                            com.fasterxml.jackson.databind.introspect.Annotated a) {
                        return JsonIgnoreProperties.Value.empty();
                    }
                }).build();
    }

    static HasMetadata parse(JsonNode document) throws Exception {
        String kind = document.path("kind").asText();
        Class<? extends HasMetadata> type = KINDS.get(kind);
        assertNotNull(type, "unexpected kind " + kind);
        return strict.treeToValue(document, type);
    }

    static File kubectl() {
        Optional<File> found = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .flatMap(dir -> Stream.of(new File(dir, "kubectl"), new File(dir, "kustomize")))
                .filter(File::canExecute).findFirst();
        Skips.unless(found.isPresent(), "kubectl (or kustomize) is not on the PATH: the manifests are not rendered");
        return found.get();
    }

    static String kustomize(Path dir) throws Exception {
        List<String> command = kubectl.getName().equals("kustomize") ? List.of(kubectl.getPath(), "build", dir.toString())
                : List.of(kubectl.getPath(), "kustomize", dir.toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), dir + ": " + output);
        return output;
    }

    /** Renders every variant from a copy of k8s/ with the example's secrets.env in place (what docs/deploy.md says to create). */
    @BeforeAll
    static void render() throws Exception {
        strict = strictMapper();
        kubectl = kubectl();
        copy = Files.createTempDirectory("switchboard-k8s");
        try (Stream<Path> files = Files.walk(DIR)) {
            for (Path file : files.toList()) {
                Path target = copy.resolve(DIR.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else if (!file.getFileName().toString().equals("secrets.env")) {
                    Files.copy(file, target);
                }
            }
        }
        Files.copy(DIR.resolve("base/secrets.env.example"), copy.resolve("base/secrets.env"), StandardCopyOption.REPLACE_EXISTING);
        YAMLMapper yaml = new YAMLMapper();
        for (Variant variant : VARIANTS) {
            Path dir = copy.resolve(variant.dir());
            if (!variant.components().isEmpty()) {
                Files.createDirectories(dir);
                Files.writeString(dir.resolve("kustomization.yaml"), """
                        apiVersion: kustomize.config.k8s.io/v1beta1
                        kind: Kustomization
                        namespace: switchboard
                        resources:
                          - ../../base
                        components:
                        %s""".formatted(variant.components().stream().map(c -> "  - ../../components/" + c + "\n")
                        .collect(Collectors.joining())));
            }
            List<JsonNode> documents = new ArrayList<>();
            for (JsonNode document : yaml.readValues(new YAMLFactory().createParser(kustomize(dir)), JsonNode.class).readAll()) {
                if (document != null && !document.isEmpty()) {
                    documents.add(document);
                }
            }
            rendered.put(variant.name(), documents);
            List<HasMetadata> objects = new ArrayList<>();
            for (JsonNode document : documents) {
                objects.add(parse(document));
            }
            parsed.put(variant.name(), objects);
        }
        resources = parsed.get("default");
    }

    @Test
    void aTypoInAFieldNameFailsValidation() throws Exception {
        JsonNode typo = new YAMLMapper().readTree("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: x}
                spec:
                  selector: {matchLabels: {a: b}}
                  template:
                    metadata: {labels: {a: b}}
                    spec:
                      containers:
                        - name: x
                          image: x
                          imagePullPolcy: Always
                """);
        assertThrows(Exception.class, () -> parse(typo));
        for (KubernetesApiModels release : KubernetesApiModels.releases()) {
            assertThrows(AssertionError.class, () -> release.validate("apps/v1", "Deployment", typo.toString()), release.release());
            String fixed = typo.toString().replace("imagePullPolcy", "imagePullPolicy");
            release.validate("apps/v1", "Deployment", fixed);
            String nameless = fixed.replace("\"name\":\"x\",\"image\"", "\"image\"");
            assertNotEquals(fixed, nameless);
            assertThrows(AssertionError.class, () -> release.validate("apps/v1", "Deployment", nameless),
                    release.release() + " requires a container's name");
        }
    }

    /** The two releases really differ: pod-level resources (Kubernetes 1.32) are refused by 1.30 and taken by 1.36. */
    @Test
    void aFieldNewerThanTheOldestReleaseFailsThere() throws Exception {
        String pod = """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"resources":{"limits":{"memory":"64Mi"}},
                 "containers":[{"name":"x","image":"x"}]}}""";
        var releases = KubernetesApiModels.releases();
        assertThrows(AssertionError.class, () -> releases.get(0).validate("v1", "Pod", pod));
        releases.get(1).validate("v1", "Pod", pod);
    }

    /** Every variant, every document: valid in both Kubernetes releases (custom resources: in their own models). */
    @Test
    void everyVariantIsValidForTheOldestAndTheCurrentKubernetes() throws Exception {
        List<KubernetesApiModels> releases = KubernetesApiModels.releases();
        assertEquals(List.of("1.30", "1.36"), releases.stream().map(KubernetesApiModels::release).toList());
        for (var variant : rendered.entrySet()) {
            for (JsonNode document : variant.getValue()) {
                String kind = document.path("kind").asText();
                String apiVersion = document.path("apiVersion").asText();
                for (KubernetesApiModels release : releases) {
                    if (CUSTOM.contains(kind)) {
                        assertFalse(release.defines(apiVersion, kind), kind + " is not built in");
                    } else {
                        release.validate(apiVersion, kind, document.toString());
                    }
                }
            }
        }
        assertEquals(Set.of("Gateway", "HTTPRoute"), kinds("default", CUSTOM::contains));
        assertEquals(Set.of(), kinds("ingress-nginx", CUSTOM::contains), "the ingress-nginx variant needs no CRD");
        assertEquals(Set.of("Gateway", "HTTPRoute", "PodMonitor"), kinds("pod-monitor", CUSTOM::contains));
        assertTrue(kinds("managed-postgres", k -> true).stream().noneMatch(k -> k.equals("StatefulSet") || k.equals("CronJob")),
                "the managed-PostgreSQL overlay runs no database");
    }

    private static Set<String> kinds(String variant, Predicate<String> filter) {
        return parsed.get(variant).stream().map(HasMetadata::getKind).filter(filter).collect(Collectors.toSet());
    }

    @Test
    void everyManifestFileIsUsedAndNothingCreatesTheNamespace() throws Exception {
        assertTrue(parsed.values().stream().flatMap(List::stream).noneMatch(r -> r instanceof Namespace),
                "the namespace is created once, outside the kustomization");
        assertTrue(parsed.values().stream().flatMap(List::stream).noneMatch(r -> r instanceof PersistentVolumeClaim),
                "volumes with data are never part of the kustomization (delete -k would delete them)");
        // Every YAML file under k8s/ is a kustomization, is listed by one, or is applied by hand as docs/deploy.md says.
        Set<String> listed = new java.util.HashSet<>();
        YAMLMapper yaml = new YAMLMapper();
        try (Stream<Path> files = Files.walk(DIR)) {
            for (Path file : files.filter(f -> f.getFileName().toString().equals("kustomization.yaml")).toList()) {
                JsonNode kustomization = yaml.readTree(file.toFile());
                for (String field : List.of("resources", "patches")) {
                    kustomization.path(field).forEach(r -> listed.add(
                            file.getParent().resolve(r.isTextual() ? r.asText() : r.path("path").asText()).normalize().toString()));
                }
            }
        }
        String readme = Files.readString(Path.of("docs", "deploy.md"));
        try (Stream<Path> files = Files.walk(DIR)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml") && !f.endsWith("kustomization.yaml")).toList()) {
                assertTrue(listed.contains(file.normalize().toString()) || readme.contains(file.toString()),
                        file + " is neither in a kustomization nor applied by docs/deploy.md");
            }
        }
    }

    /**
     * The repository ships no secret values: no Secret manifest, a generator reading a file git ignores, an
     * example whose keys are the ones the manifests use — and whose admin password the app refuses, so
     * applying the example unchanged fails at start instead of running with a known password. The real
     * directory does not render without the operator's file.
     */
    @Test
    void noSecretValuesAreShippedAndTheExampleIsRefused() throws Exception {
        JsonNode base = new YAMLMapper().readTree(DIR.resolve("base/kustomization.yaml").toFile());
        JsonNode generator = base.get("secretGenerator").get(0);
        assertEquals("switchboard-secrets", generator.get("name").asText());
        assertEquals("secrets.env", generator.get("envs").get(0).asText());
        try (Stream<Path> files = Files.walk(DIR)) {
            assertTrue(files.filter(f -> f.toString().endsWith(".yaml")).noneMatch(f -> {
                try {
                    return Files.readString(f).lines().anyMatch(l -> l.equals("kind: Secret"));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }), "a Secret manifest is in k8s/");
        }
        assertTrue(Files.readString(Path.of(".gitignore")).lines().anyMatch(l -> l.strip().equals("k8s/base/secrets.env")),
                "git ignores k8s/base/secrets.env");
        Map<String, String> example = exampleSecrets();
        assertEquals(Set.of("QUARKUS_DATASOURCE_PASSWORD", "QUARKUS_FLYWAY_PASSWORD", "SWITCHBOARD_AGENTS_ADMIN_PASSWORD",
                "POSTGRES_SUPERUSER_PASSWORD"), example.keySet());
        assertTrue(AdminPassword.weakness(example.get("SWITCHBOARD_AGENTS_ADMIN_PASSWORD")).isPresent());
        for (Variant variant : VARIANTS) {
            Secret secret = (Secret) parsed.get(variant.name()).stream().filter(Secret.class::isInstance).findFirst().orElseThrow();
            assertTrue(secret.getMetadata().getName().matches("switchboard-secrets-[a-z0-9]{6,}"),
                    "the generated Secret's name has a content hash: " + secret.getMetadata().getName());
            assertEquals(example.keySet(), secret.getData().keySet());
        }
        if (!Files.exists(DIR.resolve("base/secrets.env"))) { // an operator's own file makes the real directory render
            Process bare = new ProcessBuilder(kubectl.getPath(), "kustomize", DIR.toString()).redirectErrorStream(true).start();
            String output = new String(bare.getInputStream().readAllBytes());
            assertTrue(bare.waitFor(60, TimeUnit.SECONDS));
            assertNotEquals(0, bare.exitValue(), "rendered without secrets.env: " + output);
            assertTrue(output.contains("secrets.env"), output);
        }
    }

    /** The app pods get their own passwords one by one, never the database superuser's; the database gets its own. */
    @Test
    void theAppConnectsWithLeastPrivilege() {
        Container app = one(Deployment.class, "switchboard").getSpec().getTemplate().getSpec().getContainers().get(0);
        assertTrue(app.getEnvFrom().stream().noneMatch(e -> e.getSecretRef() != null), "the whole Secret is exposed to the app");
        Set<String> keys = app.getEnv().stream().filter(e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null)
                .map(e -> e.getValueFrom().getSecretKeyRef().getKey()).collect(Collectors.toSet());
        assertEquals(Set.of("QUARKUS_DATASOURCE_PASSWORD", "QUARKUS_FLYWAY_PASSWORD", "SWITCHBOARD_AGENTS_ADMIN_PASSWORD",
                "SWITCHBOARD_VISITORS_IDENTITY_SECRETS"), keys);
        // The one optional key: a Secret without it (the example's) still starts the pods.
        assertEquals(List.of("SWITCHBOARD_VISITORS_IDENTITY_SECRETS"), app.getEnv().stream()
                .filter(e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null
                        && Boolean.TRUE.equals(e.getValueFrom().getSecretKeyRef().getOptional()))
                .map(e -> e.getValueFrom().getSecretKeyRef().getKey()).toList());
        Map<String, String> config = one(ConfigMap.class, "switchboard-config").getData();
        assertEquals("switchboard_app", config.get("QUARKUS_DATASOURCE_USERNAME"));
        assertEquals("switchboard_owner", config.get("QUARKUS_FLYWAY_USERNAME"));
        Container postgres = one(StatefulSet.class, "switchboard-postgres").getSpec().getTemplate().getSpec().getContainers().get(0);
        assertTrue(postgres.getEnv().stream().noneMatch(e -> e.getName().equals("POSTGRES_USER") || e.getName().equals("POSTGRES_DB")),
                "the superuser is postgres, and the database is created by roles.sql");
        assertTrue(postgres.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/docker-entrypoint-initdb.d")));
    }

    /**
     * The in-cluster database survives what a cluster does to it: crash recovery (a startup probe holds the
     * liveness probe off for up to 10 minutes), drains (a budget that makes them wait) and `kubectl delete -k`
     * (the volume is retained, and the namespace is not part of the kustomization); and it is backed up.
     */
    @Test
    void theInClusterDatabaseSurvivesRecoveryDrainsAndDelete() {
        StatefulSet postgres = one(StatefulSet.class, "switchboard-postgres");
        Container container = postgres.getSpec().getTemplate().getSpec().getContainers().get(0);
        Probe startup = container.getStartupProbe();
        assertNotNull(startup, "no startup probe: liveness could kill crash recovery");
        assertTrue(startup.getPeriodSeconds() * startup.getFailureThreshold() >= 300);
        assertNotNull(container.getLivenessProbe());
        assertEquals("Retain", postgres.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenDeleted());
        assertEquals("Retain", postgres.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenScaled());
        PodDisruptionBudget budget = one(PodDisruptionBudget.class, "switchboard-postgres");
        assertTrue(matches(budget.getSpec().getSelector(), postgres.getSpec().getTemplate().getMetadata().getLabels()));
        assertEquals(0, budget.getSpec().getMaxUnavailable().getIntVal());
        CronJob backup = one(CronJob.class, "switchboard-postgres-backup");
        assertEquals("Forbid", backup.getSpec().getConcurrencyPolicy());
        String claim = backup.getSpec().getJobTemplate().getSpec().getTemplate().getSpec().getVolumes().get(0)
                .getPersistentVolumeClaim().getClaimName();
        assertEquals(claim, new YAMLMapper().convertValue(readYaml("k8s/components/in-cluster-postgres/backup-volume.yaml"),
                PersistentVolumeClaim.class).getMetadata().getName(), "the backup volume docs/deploy.md creates");
    }

    private static JsonNode readYaml(String path) {
        try {
            return new YAMLMapper().readTree(Path.of(path).toFile());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The app spreads over nodes and zones, and drains one pod at a time. */
    @Test
    void theAppSpreadsAndDrainsOnePodAtATime() {
        var pod = one(Deployment.class, "switchboard").getSpec().getTemplate();
        Set<String> keys = pod.getSpec().getTopologySpreadConstraints().stream().map(c -> c.getTopologyKey())
                .collect(Collectors.toSet());
        assertEquals(Set.of("kubernetes.io/hostname", "topology.kubernetes.io/zone"), keys);
        pod.getSpec().getTopologySpreadConstraints().forEach(c -> assertTrue(matches(c.getLabelSelector(), pod.getMetadata().getLabels())));
        assertEquals(1, one(PodDisruptionBudget.class, "switchboard").getSpec().getMaxUnavailable().getIntVal());
    }

    /**
     * Every pod the HPA may run, plus the one a rollout adds, fits the in-cluster database's
     * max_connections with the headroom docs/deploy.md states, and it gives the same figures.
     */
    @Test
    void theConnectionBudgetFitsTheDatabase() throws Exception {
        Deployment deployment = one(Deployment.class, "switchboard");
        int surge = deployment.getSpec().getStrategy().getRollingUpdate().getMaxSurge().getIntVal();
        int pods = one(HorizontalPodAutoscaler.class, "switchboard").getSpec().getMaxReplicas() + surge;
        for (Variant variant : VARIANTS) {
            Map<String, String> config = one(variant.name(), ConfigMap.class, "switchboard-config").getData();
            assertFalse(config.keySet().stream().anyMatch(k -> k.endsWith("_MAX_SIZE")),
                    "the ConfigMap changes a pool size: the budget below would not hold");
        }
        List<String> args = one(StatefulSet.class, "switchboard-postgres").getSpec().getTemplate().getSpec()
                .getContainers().get(0).getArgs();
        int maxConnections = Integer.parseInt(args.get(args.indexOf("-c") + 1).replace("max_connections=", ""));
        assertTrue(ConnectionBudget.maxConnectionsFor(pods) <= maxConnections, pods + " pods x "
                + ConnectionBudget.perReplica() + " + " + ConnectionBudget.HEADROOM + " > max_connections " + maxConnections);
        String readme = Files.readString(Path.of("docs", "deploy.md"));
        assertTrue(readme.contains("(replicas + 1) × " + ConnectionBudget.perReplica() + " + " + ConnectionBudget.HEADROOM),
                "docs/deploy.md states " + ConnectionBudget.perReplica() + " connections per replica");
    }

    static Map<String, String> exampleSecrets() throws Exception {
        Map<String, String> values = new TreeMap<>();
        for (String line : Files.readAllLines(DIR.resolve("base/secrets.env.example"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                values.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            }
        }
        return values;
    }

    @Test
    void theDeploymentIsSafeToRollAndItsProbesExistInTheApp() {
        Deployment deployment = one(Deployment.class, "switchboard");
        assertTrue(deployment.getSpec().getReplicas() >= 2);
        var pod = deployment.getSpec().getTemplate().getSpec();
        Container container = pod.getContainers().get(0);
        assertEquals(8080, container.getPorts().get(0).getContainerPort());
        assertEquals(9000, container.getPorts().stream().filter(p -> p.getName().equals("management")).findFirst()
                .orElseThrow().getContainerPort(), "the management port, where the probes go");
        assertEquals("9000", deployment.getSpec().getTemplate().getMetadata().getAnnotations().get("prometheus.io/port"));
        assertTrue(one(Service.class, "switchboard").getSpec().getPorts().stream()
                .noneMatch(p -> p.getTargetPort().getStrVal() != null && p.getTargetPort().getStrVal().equals("management")),
                "the Service never exposes the management port");
        assertNotNull(container.getLifecycle().getPreStop(), "a preStop lets endpoints drain");
        assertTrue(pod.getTerminationGracePeriodSeconds() >= 20);
        // Memory: requested as much as the limit, a heap cap under it, and a connection cap that keeps the pod
        // inside it (the per-connection and base figures are measured by bench/ and quoted in docs/deploy.md).
        var memory = container.getResources().getLimits().get("memory");
        assertEquals(memory, container.getResources().getRequests().get("memory"), "memory request = limit");
        long limitMb = io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(memory).longValue() >> 20;
        long heapMb = Long.parseLong(container.getArgs().stream().filter(a -> a.startsWith("-Xmx")).findFirst()
                .orElseThrow(() -> new AssertionError("no heap cap")).replaceAll("\\D", ""));
        assertTrue(heapMb < limitMb * 3 / 4, "heap " + heapMb + " MB under the " + limitMb + " MB limit");
        int cap = Integer.parseInt(one(ConfigMap.class, "switchboard-config").getData().get("SWITCHBOARD_LIMITS_CONNECTIONS_PER_INSTANCE"));
        assertTrue(120 + cap * 28L / 1024 < limitMb * 0.85, cap + " connections do not fit " + limitMb + " MB");
        for (Probe probe : List.of(container.getStartupProbe(), container.getReadinessProbe(), container.getLivenessProbe())) {
            String path = probe.getHttpGet().getPath();
            assertTrue(path.startsWith("/q/health/"), path);
            assertEquals("management", probe.getHttpGet().getPort().getStrVal());
            given().get(management.resolve(path)).then().statusCode(200);
        }
    }

    /**
     * Scaling on connections: the HPA's per-pod target is a metric the app publishes (ObservabilityTest checks
     * switchboard_connections) and sits below the per-pod cap, so pods scale out before they refuse clients;
     * connections age out so that new pods get load.
     */
    @Test
    void theConnectionAutoscalerTargetsAMetricTheAppPublishesBelowTheCap() {
        var metrics = one("connection-autoscaling", HorizontalPodAutoscaler.class, "switchboard").getSpec().getMetrics();
        var pods = metrics.stream().filter(m -> m.getType().equals("Pods")).findFirst().orElseThrow().getPods();
        assertEquals("switchboard_connections", pods.getMetric().getName());
        Map<String, String> config = one(ConfigMap.class, "switchboard-config").getData();
        int cap = Integer.parseInt(config.get("SWITCHBOARD_LIMITS_CONNECTIONS_PER_INSTANCE"));
        int target = pods.getTarget().getAverageValue().getNumericalAmount().intValue();
        assertTrue(target > 0 && target < cap, "target " + target + " per pod, cap " + cap);
        assertTrue(metrics.stream().anyMatch(m -> m.getType().equals("Resource")), "CPU still counts");
        assertNotNull(config.get("SWITCHBOARD_LIMITS_MAX_CONNECTION_AGE"), "connections age out so that new pods get load");
    }

    /** Every pod of every variant meets the "restricted" Pod Security Standard (the namespace enforces it). */
    @Test
    void everyPodMeetsTheRestrictedPodSecurityStandard() {
        for (Variant variant : VARIANTS) {
            for (var entry : podTemplates(variant.name()).entrySet()) {
                PodSpec pod = entry.getValue().getSpec();
                String where = variant.name() + " " + entry.getKey();
                assertTrue(Boolean.TRUE.equals(pod.getSecurityContext().getRunAsNonRoot()), where + ": runAsNonRoot");
                assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType(), where);
                assertFalse(Boolean.TRUE.equals(pod.getHostNetwork()) || Boolean.TRUE.equals(pod.getHostPID())
                        || Boolean.TRUE.equals(pod.getHostIPC()), where);
                assertTrue(pod.getVolumes().stream().allMatch(v -> v.getHostPath() == null), where + ": hostPath");
                assertEquals(Boolean.FALSE, pod.getAutomountServiceAccountToken(), where + ": an API token it never uses");
                for (Container container : pod.getContainers()) {
                    var security = container.getSecurityContext();
                    assertFalse(security.getAllowPrivilegeEscalation(), where);
                    assertEquals(List.of("ALL"), security.getCapabilities().getDrop(), where);
                    assertFalse(Boolean.TRUE.equals(security.getPrivileged()), where);
                    assertTrue(container.getPorts() == null || container.getPorts().stream().allMatch(p -> p.getHostPort() == null), where);
                    assertNotNull(container.getResources().getLimits().get("memory"), where + ": memory limit");
                }
            }
        }
    }

    /** Names, keys, selectors and ports refer to things that exist, in every variant (after kustomize's hashing). */
    @Test
    void crossReferencesHoldInEveryVariant() throws Exception {
        for (Variant variant : VARIANTS) {
            String v = variant.name();
            Map<String, PodTemplateSpec> pods = podTemplates(v);
            Map<String, Map<String, String>> configMaps = new TreeMap<>();
            of(v, ConfigMap.class).forEach(c -> configMaps.put(c.getMetadata().getName(), c.getData()));
            Map<String, Set<String>> secrets = new TreeMap<>();
            of(v, Secret.class).forEach(s -> secrets.put(s.getMetadata().getName(), s.getData().keySet()));
            for (var pod : pods.entrySet()) {
                String where = v + " " + pod.getKey();
                PodSpec spec = pod.getValue().getSpec();
                for (Container container : spec.getContainers()) {
                    if (container.getEnvFrom() != null) {
                        container.getEnvFrom().forEach(e -> {
                            if (e.getConfigMapRef() != null) {
                                assertTrue(configMaps.containsKey(e.getConfigMapRef().getName()), where + " " + e);
                            }
                        });
                    }
                    for (var env : container.getEnv() == null ? List.<io.fabric8.kubernetes.api.model.EnvVar>of() : container.getEnv()) {
                        var from = env.getValueFrom();
                        if (from != null && from.getSecretKeyRef() != null) {
                            Set<String> keys = secrets.get(from.getSecretKeyRef().getName());
                            assertNotNull(keys, where + ": no Secret " + from.getSecretKeyRef().getName());
                            assertTrue(keys.contains(from.getSecretKeyRef().getKey())
                                    || Boolean.TRUE.equals(from.getSecretKeyRef().getOptional()), where + " " + env.getName());
                        }
                        if (from != null && from.getConfigMapKeyRef() != null) {
                            Map<String, String> data = configMaps.get(from.getConfigMapKeyRef().getName());
                            assertTrue(data != null && data.containsKey(from.getConfigMapKeyRef().getKey()), where + " " + env.getName());
                        }
                    }
                }
                for (var volume : spec.getVolumes()) {
                    if (volume.getConfigMap() != null) {
                        Map<String, String> data = configMaps.get(volume.getConfigMap().getName());
                        assertNotNull(data, where + ": no ConfigMap " + volume.getConfigMap().getName());
                        volume.getConfigMap().getItems().forEach(i -> assertTrue(data.containsKey(i.getKey()), where + " " + i.getKey()));
                    }
                }
            }
            Map<String, String> appLabels = pods.get("Deployment/switchboard").getMetadata().getLabels();
            Container app = pods.get("Deployment/switchboard").getSpec().getContainers().get(0);
            // Services select pods and name their ports.
            for (Service service : of(v, Service.class)) {
                PodTemplateSpec target = pods.values().stream().filter(p -> p.getMetadata().getLabels().entrySet()
                        .containsAll(service.getSpec().getSelector().entrySet())).findFirst()
                        .orElseThrow(() -> new AssertionError(v + ": Service " + service.getMetadata().getName() + " selects no pod"));
                for (ServicePort port : service.getSpec().getPorts()) {
                    assertTrue(target.getSpec().getContainers().stream().flatMap(c -> c.getPorts().stream())
                            .anyMatch(p -> p.getName().equals(port.getTargetPort().getStrVal())), v + " " + port);
                }
            }
            Service appService = one(v, Service.class, "switchboard");
            assertEquals("None", appService.getSpec().getSessionAffinity(), "no sticky sessions");
            assertEquals(List.of("http"), appService.getSpec().getPorts().stream().map(p -> p.getTargetPort().getStrVal()).toList(),
                    "the Service exposes the app port only");
            // The edge: an HTTPRoute to the Gateway's listener, or an Ingress, reaching the app's Service.
            for (HTTPRoute route : of(v, HTTPRoute.class)) {
                for (var parent : route.getSpec().getParentRefs()) {
                    Gateway gateway = one(v, Gateway.class, parent.getName());
                    assertTrue(gateway.getSpec().getListeners().stream().anyMatch(l -> l.getName().equals(parent.getSectionName())),
                            v + ": no listener " + parent.getSectionName());
                }
                for (var rule : route.getSpec().getRules()) {
                    for (var backend : Objects.requireNonNullElse(rule.getBackendRefs(), List.<io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef>of())) {
                        assertEquals(appService.getMetadata().getName(), backend.getName());
                        assertEquals(appService.getSpec().getPorts().get(0).getPort(), backend.getPort());
                    }
                }
            }
            for (Ingress ingress : of(v, Ingress.class)) {
                var backend = ingress.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend().getService();
                assertEquals(appService.getMetadata().getName(), backend.getName());
                assertEquals(appService.getSpec().getPorts().get(0).getName(), backend.getPort().getName());
            }
            for (PodMonitor monitor : of(v, PodMonitor.class)) {
                assertTrue(matches(monitor.getSpec().getSelector(), appLabels));
                assertEquals("management", monitor.getSpec().getPodMetricsEndpoints().get(0).getPort());
            }
            for (PodDisruptionBudget budget : of(v, PodDisruptionBudget.class)) {
                assertTrue(pods.values().stream().anyMatch(p -> matches(budget.getSpec().getSelector(), p.getMetadata().getLabels())),
                        v + ": budget " + budget.getMetadata().getName() + " selects no pod");
            }
            for (NetworkPolicy policy : of(v, NetworkPolicy.class)) {
                assertTrue(pods.values().stream().anyMatch(p -> matches(policy.getSpec().getPodSelector(), p.getMetadata().getLabels())),
                        v + ": policy " + policy.getMetadata().getName() + " selects no pod");
            }
            assertEquals("switchboard", one(v, HorizontalPodAutoscaler.class, "switchboard").getSpec().getScaleTargetRef().getName());
            // The datasource: the in-cluster Service, or the external address the egress policy allows.
            ConfigMap settings = one(v, ConfigMap.class, "switchboard-config");
            assertTrue(settings.getMetadata().getName().matches("switchboard-config-[a-z0-9]{10}"),
                    v + ": the settings' ConfigMap is named by its content, so a change rolls the pods");
            Map<String, String> config = settings.getData();
            URI jdbc = URI.create(config.get("QUARKUS_DATASOURCE_JDBC_URL").substring("jdbc:".length()));
            URI reactive = URI.create(config.get("QUARKUS_DATASOURCE_REACTIVE_URL"));
            assertEquals(jdbc.getHost(), reactive.getHost(), v);
            assertEquals(jdbc.getPort(), reactive.getPort(), v);
            assertEquals(jdbc.getPath(), reactive.getPath(), v);
            assertEquals("/switchboard", jdbc.getPath(), v + ": the database roles.sql creates");
            assertTrue(config.keySet().stream().allMatch(k -> k.matches("(QUARKUS|SWITCHBOARD)_[A-Z0-9_]+")));
            if (!of(v, StatefulSet.class).isEmpty()) {
                StatefulSet postgres = one(v, StatefulSet.class, "switchboard-postgres");
                assertEquals(postgres.getSpec().getServiceName(), jdbc.getHost(), v);
                Map<String, String> dbLabels = postgres.getSpec().getTemplate().getMetadata().getLabels();
                assertTrue(flows(v, appLabels, dbLabels, jdbc.getPort()), v + ": the app cannot reach PostgreSQL");
                Map<String, String> backupLabels = pods.get("CronJob/switchboard-postgres-backup").getMetadata().getLabels();
                assertTrue(flows(v, backupLabels, dbLabels, 5432), v + ": the backup cannot reach PostgreSQL");
                assertFalse(flows(v, Map.of("app.kubernetes.io/name", "intruder"), dbLabels, 5432), v + ": anyone reaches PostgreSQL");
            } else {
                assertTrue(egressToCidr(v, appLabels, jdbc.getPort()), v + ": no egress to the external database's CIDR and port");
                assertTrue(config.get("QUARKUS_DATASOURCE_JDBC_URL").contains("sslmode="), v + ": TLS to a database outside the cluster");
            }
            // Ingress to the app: the edge's namespace to the app port, the monitoring namespace to the management port.
            int appPort = app.getPorts().stream().filter(p -> p.getName().equals("http")).findFirst().orElseThrow().getContainerPort();
            int managementPort = app.getPorts().stream().filter(p -> p.getName().equals("management")).findFirst().orElseThrow().getContainerPort();
            String edge = of(v, Ingress.class).isEmpty() ? "envoy-gateway-system" : "ingress-nginx";
            assertTrue(admitsNamespace(v, appLabels, edge, appPort), v + ": the edge cannot reach the app");
            assertFalse(admitsNamespace(v, appLabels, edge, managementPort), v + ": the edge reaches the management port");
            assertTrue(admitsNamespace(v, appLabels, "monitoring", managementPort), v + ": the scraper cannot reach metrics");
            assertFalse(admitsNamespace(v, appLabels, "monitoring", appPort), v + ": the scraper reaches the app port");
        }
        // The Gateway API route: no request timeout (streams live for hours) and a redirect for plain HTTP.
        HTTPRoute route = one(HTTPRoute.class, "switchboard");
        assertEquals("0s", route.getSpec().getRules().get(0).getTimeouts().getRequest());
        assertEquals("https", one(HTTPRoute.class, "switchboard-redirect").getSpec().getRules().get(0).getFilters().get(0)
                .getRequestRedirect().getScheme());
        Ingress ingress = one("ingress-nginx", Ingress.class, "switchboard");
        Map<String, String> annotations = ingress.getMetadata().getAnnotations();
        assertTrue(Integer.parseInt(annotations.get("nginx.ingress.kubernetes.io/proxy-read-timeout")) >= 300);
        assertEquals("off", annotations.get("nginx.ingress.kubernetes.io/proxy-buffering"));
        assertTrue(annotations.keySet().stream().noneMatch(k -> k.contains("affinity")), "no sticky sessions");
        // Forwarding headers decide the client address for every per-address limit: believed only from the
        // proxies named here, never from whoever sends them (TrustedProxiesTest shows the setting working).
        Map<String, String> config = one(ConfigMap.class, "switchboard-config").getData();
        if ("true".equals(config.get("QUARKUS_HTTP_PROXY_PROXY_ADDRESS_FORWARDING"))) {
            String trusted = config.get("QUARKUS_HTTP_PROXY_TRUSTED_PROXIES");
            assertTrue(trusted != null && !trusted.isBlank() && !trusted.contains("0.0.0.0/0"),
                    "forwarding headers are trusted from anyone: set QUARKUS_HTTP_PROXY_TRUSTED_PROXIES");
        }
    }

    // ---- NetworkPolicy semantics (enough of them for these manifests: label selectors, namespaces, ports) ----

    /** Both ends allow it: an egress rule of the source (if egress is restricted) and an ingress rule of the destination. */
    private static boolean flows(String variant, Map<String, String> from, Map<String, String> to, int port) {
        return allowed(variant, from, "Egress", peer -> peer.getPodSelector() != null && peer.getNamespaceSelector() == null
                && matches(peer.getPodSelector(), to), port)
                && allowed(variant, to, "Ingress", peer -> peer.getPodSelector() != null && peer.getNamespaceSelector() == null
                        && matches(peer.getPodSelector(), from), port);
    }

    private static boolean admitsNamespace(String variant, Map<String, String> pod, String namespace, int port) {
        return allowed(variant, pod, "Ingress", peer -> peer.getNamespaceSelector() != null && peer.getPodSelector() == null
                && matches(peer.getNamespaceSelector(), Map.of("kubernetes.io/metadata.name", namespace)), port);
    }

    private static boolean egressToCidr(String variant, Map<String, String> pod, int port) {
        return allowed(variant, pod, "Egress", peer -> peer.getIpBlock() != null && !peer.getIpBlock().getCidr().equals("0.0.0.0/0"), port);
    }

    /** Whether the policies selecting the pod allow the direction to peers matching the predicate on the port. */
    private static boolean allowed(String variant, Map<String, String> pod, String direction, Predicate<NetworkPolicyPeer> peer, int port) {
        List<NetworkPolicy> selecting = of(variant, NetworkPolicy.class).stream()
                .filter(p -> matches(p.getSpec().getPodSelector(), pod) && p.getSpec().getPolicyTypes().contains(direction)).toList();
        if (selecting.isEmpty()) {
            return true; // not isolated in that direction
        }
        for (NetworkPolicy policy : selecting) {
            var rules = direction.equals("Ingress")
                    ? policy.getSpec().getIngress().stream().map(r -> Map.entry(r.getFrom(), r.getPorts())).toList()
                    : policy.getSpec().getEgress().stream().map(r -> Map.entry(r.getTo(), r.getPorts())).toList();
            for (var rule : rules) {
                boolean peers = rule.getKey() == null || rule.getKey().isEmpty() || rule.getKey().stream().anyMatch(peer);
                boolean ports = rule.getValue() == null || rule.getValue().isEmpty()
                        || rule.getValue().stream().map(NetworkPolicyPort::getPort).anyMatch(p -> p.getIntVal() != null && p.getIntVal() == port);
                if (peers && ports) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean matches(LabelSelector selector, Map<String, String> labels) {
        assertTrue(selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty(), "matchExpressions not modelled here");
        return selector.getMatchLabels() == null || labels.entrySet().containsAll(selector.getMatchLabels().entrySet());
    }

    private static Map<String, PodTemplateSpec> podTemplates(String variant) {
        Map<String, PodTemplateSpec> pods = new TreeMap<>();
        of(variant, Deployment.class).forEach(d -> pods.put("Deployment/" + d.getMetadata().getName(), d.getSpec().getTemplate()));
        of(variant, StatefulSet.class).forEach(s -> pods.put("StatefulSet/" + s.getMetadata().getName(), s.getSpec().getTemplate()));
        of(variant, CronJob.class).forEach(c -> pods.put("CronJob/" + c.getMetadata().getName(),
                c.getSpec().getJobTemplate().getSpec().getTemplate()));
        return pods;
    }

    private static <T extends HasMetadata> List<T> of(String variant, Class<T> type) {
        return parsed.get(variant).stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** By name; a generated ConfigMap or Secret by the name before kustomize's content hash. */
    private static <T extends HasMetadata> T one(String variant, Class<T> type, String name) {
        return of(variant, type).stream().filter(r -> r.getMetadata().getName().equals(name)
                || r.getMetadata().getName().matches(java.util.regex.Pattern.quote(name) + "-[a-z0-9]{10}")).findFirst()
                .orElseThrow(() -> new AssertionError(variant + ": no " + type.getSimpleName() + " " + name));
    }

    private static <T extends HasMetadata> T one(Class<T> type, String name) {
        return one("default", type, name);
    }
}
