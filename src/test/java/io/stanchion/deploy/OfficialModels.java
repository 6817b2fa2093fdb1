package io.stanchion.deploy;

import java.lang.reflect.InvocationTargetException;
import java.util.Map;

import com.google.gson.JsonParser;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1StatefulSet;

/**
 * Validation against the models of the official Kubernetes Java client (io.kubernetes:client-java-api), which are
 * generated from the Kubernetes OpenAPI specification: each model's {@code validateJsonElement} refuses a field the
 * specification does not define and a missing required field, at every level; the deserialization that follows
 * parses the typed values (quantities, int-or-string ports, numbers).
 */
final class OfficialModels {

    /** The kinds the manifests use, by "apiVersion kind". Anything else fails: add it here when it is needed. */
    private static final Map<String, Class<?>> MODELS = Map.of(
            "v1 ConfigMap", V1ConfigMap.class,
            "v1 Service", V1Service.class,
            "apps/v1 StatefulSet", V1StatefulSet.class,
            "apps/v1 Deployment", V1Deployment.class,
            "policy/v1 PodDisruptionBudget", V1PodDisruptionBudget.class);

    private OfficialModels() {
    }

    /** The model class for the manifest's apiVersion and kind; IllegalArgumentException if not a known one. */
    static Class<?> modelOf(Manifest m) {
        Class<?> model = MODELS.get(m.apiVersion() + " " + m.kind());
        if (model == null) {
            throw new IllegalArgumentException(m + ": apiVersion/kind \"" + m.apiVersion() + " " + m.kind()
                    + "\" is not one of " + MODELS.keySet());
        }
        return model;
    }

    /** Validates the manifest; returns it as the model's object. IllegalArgumentException with the reason. */
    static <T> T parse(Manifest m, Class<T> expected) {
        Class<?> model = modelOf(m);
        if (!expected.isAssignableFrom(model)) {
            throw new IllegalArgumentException(m + " is a " + model.getSimpleName() + ", not a "
                    + expected.getSimpleName());
        }
        String json = m.json();
        try {
            model.getMethod("validateJsonElement", com.google.gson.JsonElement.class)
                    .invoke(null, JsonParser.parseString(json));
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException(m + ": " + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        try {
            Object parsed = JSON.deserialize(json, model);
            return expected.cast(parsed);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(m + ": " + e.getMessage(), e);
        }
    }

    static Object parse(Manifest m) {
        return parse(m, Object.class);
    }
}
