package io.stanchion.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * JSON Schema validation (networknt json-schema-validator, draft 7) against the Kubernetes schemas that fabric8's
 * model jars ship as {@code schema/validation-schema.json}, one per API group jar (core, apps, policy), each with
 * every definition its kinds refer to. The files describe the Java model rather than the wire format in three
 * places, which are adjusted in memory before use (nothing is written):
 * <ul>
 *   <li>IntOrString and Quantity are Java objects there; on the wire they are an integer or a string, and a string
 *       (or a number);</li>
 *   <li>{@code "required": true} inside a property is draft 3 syntax, which draft 7 does not have: dropped (the
 *       official models check required fields), as are fabric8's Java code generation hints;</li>
 *   <li>every object allows additional properties (the Java model keeps unknown ones); here an object with declared
 *       properties allows no others, so a misspelled field is an error.</li>
 * </ul>
 */
final class Fabric8Schemas {

    static final String RESOURCE = "schema/validation-schema.json";

    private final Map<String, ObjectNode> definitionsByModule = new HashMap<>();
    private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7);

    Fabric8Schemas() {
        ObjectMapper mapper = new ObjectMapper();
        try {
            Enumeration<URL> urls = Fabric8Schemas.class.getClassLoader().getResources(RESOURCE);
            while (urls.hasMoreElements()) {
                URL url = urls.nextElement();
                try (InputStream in = url.openStream()) {
                    JsonNode root = mapper.readTree(in);
                    ObjectNode defs = (ObjectNode) root.get("definitions");
                    defs.properties().forEach(e -> adjust(e.getKey(), e.getValue(), defs));
                    definitionsByModule.put(root.path("$module").asString(url.toString()), defs);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        if (definitionsByModule.isEmpty()) {
            throw new IllegalStateException("no " + RESOURCE + " on the test class path (fabric8 model jars)");
        }
    }

    /** The modules (API group jars) whose schemas were found. */
    java.util.Set<String> modules() {
        return definitionsByModule.keySet();
    }

    /** The validation errors of the manifest (empty: valid); IllegalArgumentException if no schema has its kind. */
    List<String> validate(Manifest m) {
        for (Map.Entry<String, ObjectNode> module : definitionsByModule.entrySet()) {
            String definition = definitionOf(module.getValue(), m.apiVersion(), m.kind());
            if (definition != null) {
                ObjectNode schema = JsonNodeFactory.instance.objectNode();
                schema.put("$schema", "http://json-schema.org/draft-07/schema#");
                schema.set("definitions", module.getValue());
                schema.putArray("allOf").addObject().put("$ref", "#/definitions/" + definition);
                Schema validator = registry.getSchema(schema);
                List<String> errors = new ArrayList<>();
                for (Error error : validator.validate(m.node())) {
                    errors.add(module.getKey() + "/" + definition + ": " + error);
                }
                return errors;
            }
        }
        throw new IllegalArgumentException(m + ": no fabric8 schema defines " + m.apiVersion() + " " + m.kind());
    }

    /** The definition whose apiVersion and kind defaults are the given ones, or null. */
    private static String definitionOf(ObjectNode defs, String apiVersion, String kind) {
        for (Map.Entry<String, JsonNode> e : defs.properties()) {
            JsonNode props = e.getValue().path("properties");
            if (apiVersion.equals(props.path("apiVersion").path("default").asString(null))
                    && kind.equals(props.path("kind").path("default").asString(null))) {
                return e.getKey();
            }
        }
        return null;
    }

    private static void adjust(String name, JsonNode definition, ObjectNode defs) {
        if (name.endsWith("_IntOrString")) {
            defs.set(name, typeOf("integer", "string"));
        } else if (name.endsWith("_Quantity")) {
            defs.set(name, typeOf("string", "number"));
        } else {
            closeAndClean(definition);
        }
    }

    private static ObjectNode typeOf(String... types) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        ArrayNode type = node.putArray("type");
        for (String t : types) {
            type.add(t);
        }
        return node;
    }

    /** Recursively over a schema: drop boolean "required" and the hints, forbid undeclared properties. */
    private static void closeAndClean(JsonNode schema) {
        if (!(schema instanceof ObjectNode obj)) {
            return;
        }
        if (obj.path("required").isBoolean()) {
            obj.remove("required");
        }
        // fabric8's Java code generation hints, no JSON Schema keywords (networknt would warn about each).
        obj.remove(List.of("javaType", "javaInterfaces", "javaOmitEmpty", "existingJavaType", "serializer",
                "deserializer"));
        if (obj.path("properties").isObject()) {
            if (!obj.path("additionalProperties").isObject()) {
                obj.put("additionalProperties", false);
            }
            obj.get("properties").forEach(Fabric8Schemas::closeAndClean);
        }
        closeAndClean(obj.get("items"));
        closeAndClean(obj.get("additionalProperties"));
    }
}
