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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

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
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.identity.AdminPassword;
import io.switchboard.support.ConnectionBudget;

/**
 * Validates k8s/ offline and strictly: every document parses into the Kubernetes model with unknown fields
 * rejected (a typo such as {@code imagePullPolcy} fails), kustomize renders it when kubectl is installed,
 * and the pieces refer to each other correctly (selectors, ports, probes that exist in this app, names).
 */
@QuarkusTest
class KubernetesManifestsTest {

    @TestHTTPResource(value = "/", management = true)
    URI management;

    private static final Path DIR = Path.of("k8s");
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "Namespace", Namespace.class, "ConfigMap", ConfigMap.class, "Secret", Secret.class,
            "Service", Service.class, "Deployment", Deployment.class, "StatefulSet", StatefulSet.class,
            "Ingress", Ingress.class, "NetworkPolicy", NetworkPolicy.class,
            "PodDisruptionBudget", PodDisruptionBudget.class, "HorizontalPodAutoscaler", HorizontalPodAutoscaler.class);

    static ObjectMapper strict;
    static List<HasMetadata> resources = new ArrayList<>();
    static JsonNode kustomization;

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

    @BeforeAll
    static void load() throws Exception {
        strict = strictMapper();
        YAMLMapper yaml = new YAMLMapper();
        kustomization = yaml.readTree(DIR.resolve("kustomization.yaml").toFile());
        for (JsonNode file : kustomization.get("resources")) {
            Path path = DIR.resolve(file.asText());
            assertTrue(Files.exists(path), "kustomization lists a missing file: " + path);
            var parser = new YAMLFactory().createParser(path.toFile());
            for (JsonNode document : yaml.readValues(parser, JsonNode.class).readAll()) {
                if (document != null && !document.isEmpty()) {
                    resources.add(parse(document));
                }
            }
        }
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
    }

    @Test
    void everyManifestParsesStrictlyAndEveryFileIsListed() throws Exception {
        assertEquals(11, resources.size());
        assertTrue(resources.stream().noneMatch(r -> r instanceof Namespace), "the namespace is created once, outside the kustomization");
        Set<String> listed = new HashSet<>();
        kustomization.get("resources").forEach(r -> listed.add(r.asText()));
        try (var files = Files.list(DIR)) {
            Set<String> present = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml")).collect(Collectors.toSet());
            assertEquals(present, listed, "every manifest is listed in kustomization.yaml");
        }
    }

    /**
     * Rendered from a copy of k8s/ with the example's secrets.env in place (what the README tells an operator
     * to create): the generated Secret carries a content hash in its name and every reference follows it.
     */
    @Test
    void kustomizeRendersTheManifestsWhenKubectlIsInstalled() throws Exception {
        File kubectl = List.of("/usr/bin/kubectl", "/usr/local/bin/kubectl").stream().map(File::new)
                .filter(File::canExecute).findFirst().orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(kubectl != null, "kubectl is not installed");
        Path copy = Files.createTempDirectory("switchboard-k8s");
        try (var files = Files.list(DIR)) {
            for (Path file : files.toList()) {
                Files.copy(file, copy.resolve(file.getFileName()));
            }
        }
        Files.copy(DIR.resolve("secrets.env.example"), copy.resolve("secrets.env"),
                StandardCopyOption.REPLACE_EXISTING);
        String rendered = kustomize(kubectl, copy);
        assertTrue(rendered.contains("namespace: switchboard"));
        assertTrue(rendered.contains("registry.example.com/switchboard/switchboard:0.1.0"));
        Matcher hashed = Pattern.compile("name: (switchboard-secrets-[a-z0-9]{6,})").matcher(rendered);
        assertTrue(hashed.find(), "the generated Secret's name has a content hash");
        String name = hashed.group(1);
        assertFalse(rendered.replace(name, "").contains("switchboard-secrets"), "a reference still names the unhashed Secret");
        if (!Files.exists(DIR.resolve("secrets.env"))) { // an operator's own file makes the real directory render
            Process bare = new ProcessBuilder(kubectl.getPath(), "kustomize", DIR.toString()).redirectErrorStream(true).start();
            String output = new String(bare.getInputStream().readAllBytes());
            assertTrue(bare.waitFor(60, TimeUnit.SECONDS));
            assertNotEquals(0, bare.exitValue(), "rendered without secrets.env: " + output);
            assertTrue(output.contains("secrets.env"), output);
        }
    }

    private static String kustomize(File kubectl, Path dir) throws Exception {
        Process process = new ProcessBuilder(kubectl.getPath(), "kustomize", dir.toString()).redirectErrorStream(true).start();
        String rendered = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), rendered);
        return rendered;
    }

    /**
     * The repository ships no secret values: no Secret manifest, a generator reading a file git ignores, an
     * example whose keys are the ones the manifests use — and whose admin password the app refuses, so
     * applying the example unchanged fails at start instead of running with a known password.
     */
    @Test
    void noSecretValuesAreShippedAndTheExampleIsRefused() throws Exception {
        assertTrue(resources.stream().noneMatch(r -> r instanceof Secret), "a Secret manifest is in the base");
        JsonNode generator = kustomization.get("secretGenerator").get(0);
        assertEquals("switchboard-secrets", generator.get("name").asText());
        assertEquals("secrets.env", generator.get("envs").get(0).asText());
        assertTrue(Files.readString(Path.of(".gitignore")).lines().anyMatch(l -> l.strip().equals("k8s/secrets.env")),
                "git ignores k8s/secrets.env");
        Map<String, String> example = exampleSecrets();
        assertEquals(Set.of("QUARKUS_DATASOURCE_PASSWORD", "SWITCHBOARD_AGENTS_ADMIN_PASSWORD"), example.keySet());
        assertTrue(AdminPassword.weakness(example.get("SWITCHBOARD_AGENTS_ADMIN_PASSWORD")).isPresent());
    }

    /**
     * The in-cluster database survives what a cluster does to it: crash recovery (a startup probe holds the
     * liveness probe off for up to 10 minutes), drains (a budget that makes them wait) and `kubectl delete -k`
     * (the volume is retained, and the namespace is not part of the kustomization).
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
        assertTrue(postgres.getSpec().getTemplate().getMetadata().getLabels().entrySet()
                .containsAll(budget.getSpec().getSelector().getMatchLabels().entrySet()));
        assertEquals(0, budget.getSpec().getMaxUnavailable().getIntVal());
    }

    /** The app spreads over nodes and zones, and drains one pod at a time. */
    @Test
    void theAppSpreadsAndDrainsOnePodAtATime() {
        var pod = one(Deployment.class, "switchboard").getSpec().getTemplate();
        Set<String> keys = pod.getSpec().getTopologySpreadConstraints().stream().map(c -> c.getTopologyKey())
                .collect(Collectors.toSet());
        assertEquals(Set.of("kubernetes.io/hostname", "topology.kubernetes.io/zone"), keys);
        pod.getSpec().getTopologySpreadConstraints().forEach(c -> assertTrue(pod.getMetadata().getLabels().entrySet()
                .containsAll(c.getLabelSelector().getMatchLabels().entrySet())));
        assertEquals(1, one(PodDisruptionBudget.class, "switchboard").getSpec().getMaxUnavailable().getIntVal());
    }

    /**
     * Every pod the HPA may run, plus the one a rollout adds, fits the in-cluster database's
     * max_connections with the headroom README states, and README gives the same figures.
     */
    @Test
    void theConnectionBudgetFitsTheDatabase() throws Exception {
        Deployment deployment = one(Deployment.class, "switchboard");
        int surge = deployment.getSpec().getStrategy().getRollingUpdate().getMaxSurge().getIntVal();
        int pods = one(HorizontalPodAutoscaler.class, "switchboard").getSpec().getMaxReplicas() + surge;
        Map<String, String> config = one(ConfigMap.class, "switchboard-config").getData();
        assertFalse(config.keySet().stream().anyMatch(k -> k.endsWith("_MAX_SIZE")),
                "the ConfigMap changes a pool size: the budget below would not hold");
        List<String> args = one(StatefulSet.class, "switchboard-postgres").getSpec().getTemplate().getSpec()
                .getContainers().get(0).getArgs();
        int maxConnections = Integer.parseInt(args.get(args.indexOf("-c") + 1).replace("max_connections=", ""));
        assertTrue(ConnectionBudget.maxConnectionsFor(pods) <= maxConnections, pods + " pods x "
                + ConnectionBudget.perReplica() + " + " + ConnectionBudget.HEADROOM + " > max_connections " + maxConnections);
        String readme = Files.readString(Path.of("README.md"));
        assertTrue(readme.contains("(replicas + 1) × " + ConnectionBudget.perReplica() + " + " + ConnectionBudget.HEADROOM),
                "README's formula states " + ConnectionBudget.perReplica() + " connections per replica");
    }

    static Map<String, String> exampleSecrets() throws Exception {
        Map<String, String> values = new TreeMap<>();
        for (String line : Files.readAllLines(DIR.resolve("secrets.env.example"))) {
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
        assertTrue(pod.getSecurityContext().getRunAsNonRoot());
        assertTrue(container.getSecurityContext().getReadOnlyRootFilesystem());
        assertFalse(container.getSecurityContext().getAllowPrivilegeEscalation());
        assertNotNull(container.getLifecycle().getPreStop(), "a preStop lets endpoints drain");
        assertTrue(pod.getTerminationGracePeriodSeconds() >= 20);
        assertNotNull(container.getResources().getLimits().get("memory"));
        for (Probe probe : List.of(container.getStartupProbe(), container.getReadinessProbe(), container.getLivenessProbe())) {
            String path = probe.getHttpGet().getPath();
            assertTrue(path.startsWith("/q/health/"), path);
            assertEquals("management", probe.getHttpGet().getPort().getStrVal());
            given().get(management.resolve(path)).then().statusCode(200);
        }
        // The pod template's labels satisfy the Deployment's own selector.
        assertTrue(pod != null && deployment.getSpec().getTemplate().getMetadata().getLabels().entrySet()
                .containsAll(deployment.getSpec().getSelector().getMatchLabels().entrySet()));
    }

    @Test
    void crossReferencesHold() throws Exception {
        Deployment deployment = one(Deployment.class, "switchboard");
        Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        Service service = one(Service.class, "switchboard");
        assertTrue(podLabels.entrySet().containsAll(service.getSpec().getSelector().entrySet()), "service selects the pods");
        assertEquals("None", service.getSpec().getSessionAffinity(), "no sticky sessions");
        Set<String> containerPorts = deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts().stream()
                .map(p -> p.getName()).collect(Collectors.toSet());
        assertTrue(containerPorts.contains(service.getSpec().getPorts().get(0).getTargetPort().getStrVal()));

        Ingress ingress = one(Ingress.class, "switchboard");
        var backend = ingress.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend().getService();
        assertEquals(service.getMetadata().getName(), backend.getName());
        assertEquals(service.getSpec().getPorts().get(0).getName(), backend.getPort().getName());
        assertFalse(ingress.getSpec().getTls().isEmpty(), "TLS at the ingress");
        Map<String, String> annotations = ingress.getMetadata().getAnnotations();
        assertTrue(Integer.parseInt(annotations.get("nginx.ingress.kubernetes.io/proxy-read-timeout")) >= 300);
        assertTrue(Integer.parseInt(annotations.get("nginx.ingress.kubernetes.io/proxy-send-timeout")) >= 300);
        assertEquals("off", annotations.get("nginx.ingress.kubernetes.io/proxy-buffering"));
        assertTrue(annotations.keySet().stream().noneMatch(k -> k.contains("affinity")), "no sticky sessions");

        Set<String> configMaps = names(ConfigMap.class);
        Set<String> secrets = new HashSet<>(names(Secret.class));
        kustomization.path("secretGenerator").forEach(g -> secrets.add(g.get("name").asText()));
        for (EnvFromSource source : deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnvFrom()) {
            if (source.getConfigMapRef() != null) {
                assertTrue(configMaps.contains(source.getConfigMapRef().getName()));
            }
            if (source.getSecretRef() != null) {
                assertTrue(secrets.contains(source.getSecretRef().getName()));
            }
        }
        Set<String> secretKeys = exampleSecrets().keySet();
        for (var env : one(StatefulSet.class, "switchboard-postgres").getSpec().getTemplate().getSpec().getContainers().get(0)
                .getEnv()) {
            if (env.getValueFrom() != null && env.getValueFrom().getSecretKeyRef() != null) {
                assertTrue(secrets.contains(env.getValueFrom().getSecretKeyRef().getName()), env.getName());
                assertTrue(secretKeys.contains(env.getValueFrom().getSecretKeyRef().getKey()), env.getName());
            }
        }
        ConfigMap config = one(ConfigMap.class, "switchboard-config");
        assertTrue(config.getData().keySet().stream().allMatch(k -> k.matches("(QUARKUS|SWITCHBOARD)_[A-Z0-9_]+")));
        assertTrue(config.getData().get("QUARKUS_DATASOURCE_JDBC_URL").contains(one(StatefulSet.class, "switchboard-postgres")
                .getSpec().getServiceName()));
        // Forwarding headers decide the client address for every per-address limit: believed only from the
        // proxies named here, never from whoever sends them (TrustedProxiesTest shows the setting working).
        if ("true".equals(config.getData().get("QUARKUS_HTTP_PROXY_PROXY_ADDRESS_FORWARDING"))) {
            String trusted = config.getData().get("QUARKUS_HTTP_PROXY_TRUSTED_PROXIES");
            assertTrue(trusted != null && !trusted.isBlank() && !trusted.contains("0.0.0.0/0"),
                    "forwarding headers are trusted from anyone: set QUARKUS_HTTP_PROXY_TRUSTED_PROXIES");
        }

        assertEquals(deployment.getMetadata().getName(),
                one(HorizontalPodAutoscaler.class, "switchboard").getSpec().getScaleTargetRef().getName());
        assertTrue(podLabels.entrySet().containsAll(
                one(PodDisruptionBudget.class, "switchboard").getSpec().getSelector().getMatchLabels().entrySet()));
        assertTrue(podLabels.entrySet().containsAll(
                one(NetworkPolicy.class, "switchboard").getSpec().getPodSelector().getMatchLabels().entrySet()));
        Map<String, String> postgresLabels = one(StatefulSet.class, "switchboard-postgres").getSpec().getTemplate()
                .getMetadata().getLabels();
        assertTrue(postgresLabels.entrySet().containsAll(
                one(NetworkPolicy.class, "switchboard-postgres").getSpec().getPodSelector().getMatchLabels().entrySet()));
    }

    private static <T extends HasMetadata> T one(Class<T> type, String name) {
        return resources.stream().filter(type::isInstance).map(type::cast)
                .filter(r -> r.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
    }

    private static Set<String> names(Class<? extends HasMetadata> type) {
        Map<String, Boolean> names = new HashMap<>();
        resources.stream().filter(type::isInstance).forEach(r -> names.put(r.getMetadata().getName(), true));
        return names.keySet();
    }
}
