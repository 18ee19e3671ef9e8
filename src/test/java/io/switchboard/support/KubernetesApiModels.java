package io.switchboard.support;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The official Kubernetes API models of one release: kubernetes-client/java's classes, generated from that
 * release's OpenAPI document, loaded in a class loader of their own so that two releases can be checked side
 * by side. {@link #validate} rejects a field the release does not define, a missing required field, and a
 * value of the wrong JSON type, at every depth (the generated {@code validateJsonElement}, {@code validateJsonObject}
 * before client 22).
 */
public final class KubernetesApiModels {

    private final String release;
    private final ClassLoader loader;
    private final Method parse;

    private KubernetesApiModels(String release, ClassLoader loader) throws ReflectiveOperationException {
        this.release = release;
        this.loader = loader;
        this.parse = loader.loadClass("com.google.gson.JsonParser").getMethod("parseString", String.class);
    }

    /** Every release whose models the build copied into {@code target/kubernetes-api/<release>/} (pom.xml). */
    public static List<KubernetesApiModels> releases() throws Exception {
        Path root = Path.of(System.getProperty("manifests.kubernetes-api", "target/kubernetes-api"));
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException(root + " is missing: run the build (mvn generate-test-resources) first");
        }
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.filter(Files::isDirectory).sorted().map(KubernetesApiModels::load).toList();
        }
    }

    private static KubernetesApiModels load(Path dir) {
        try (Stream<Path> jars = Files.list(dir)) {
            URL[] urls = jars.filter(jar -> jar.toString().endsWith(".jar")).map(jar -> {
                try {
                    return jar.toUri().toURL();
                } catch (java.net.MalformedURLException e) {
                    throw new IllegalStateException(e);
                }
            }).toArray(URL[]::new);
            return new KubernetesApiModels(dir.getFileName().toString(),
                    new URLClassLoader("kubernetes-" + dir.getFileName(), urls, KubernetesApiModels.class.getClassLoader()));
        } catch (Exception e) {
            throw new IllegalStateException("cannot load the Kubernetes models in " + dir, e);
        }
    }

    public String release() {
        return release;
    }

    /** The model class for an apiVersion and kind: apps/v1 Deployment is V1Deployment, autoscaling/v2 ... V2HorizontalPodAutoscaler. */
    static String modelClass(String apiVersion, String kind) {
        String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
        return "io.kubernetes.client.openapi.models." + version.substring(0, 1).toUpperCase(Locale.ROOT) + version.substring(1) + kind;
    }

    /** Whether this release defines the kind at this apiVersion (custom resources are not in it). */
    public boolean defines(String apiVersion, String kind) {
        try {
            loader.loadClass(modelClass(apiVersion, kind));
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** Validates one document (as JSON); the answer names the first field the release rejects. */
    public void validate(String apiVersion, String kind, String json) {
        try {
            Class<?> model = loader.loadClass(modelClass(apiVersion, kind));
            Object element = parse.invoke(null, json);
            Method validate;
            try {
                validate = model.getMethod("validateJsonElement", loader.loadClass("com.google.gson.JsonElement"));
            } catch (NoSuchMethodException older) { // the generator's name before client 22
                validate = model.getMethod("validateJsonObject", loader.loadClass("com.google.gson.JsonObject"));
                element = element.getClass().getMethod("getAsJsonObject").invoke(element);
            }
            validate.invoke(null, element);
        } catch (InvocationTargetException e) {
            throw new AssertionError("Kubernetes " + release + " rejects " + kind + ": " + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("Kubernetes " + release + " has no " + apiVersion + " " + kind, e);
        }
    }
}
