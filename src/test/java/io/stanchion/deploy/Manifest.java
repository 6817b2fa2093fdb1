package io.stanchion.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import tools.jackson.core.JsonParser;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** One YAML document of a file under deploy/kubernetes: the object as parsed, with where it came from. */
record Manifest(Path file, int index, ObjectNode node) {

    static final Path ROOT = Path.of(System.getProperty("basedir", "."), "deploy", "kubernetes");

    private static final YAMLMapper YAML = YAMLMapper.builder().build();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Every non-empty document of every *.yaml / *.yml file under {@link #ROOT}, sorted by file. */
    static List<Manifest> all() {
        List<Manifest> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(ROOT)) {
            for (Path f : files.filter(p -> p.toString().matches(".*\\.ya?ml")).sorted().toList()) {
                out.addAll(read(f));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    static List<Manifest> read(Path file) {
        List<Manifest> out = new ArrayList<>();
        try (JsonParser parser = YAML.createParser(file.toFile())) {
            int index = 0;
            for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); index++) {
                JsonNode doc = it.next();
                if (doc == null || doc.isNull() || doc.isMissingNode()) {
                    continue;
                }
                if (!doc.isObject()) {
                    throw new IllegalStateException(file + " document " + index + " is not a mapping");
                }
                out.add(new Manifest(file, index, (ObjectNode) doc));
            }
        }
        return out;
    }

    String apiVersion() {
        return node.path("apiVersion").asString("");
    }

    String kind() {
        return node.path("kind").asString("");
    }

    String name() {
        return node.path("metadata").path("name").asString("");
    }

    /** The document as JSON text (what kubectl sends to the API server). */
    String json() {
        return JSON.writeValueAsString(node);
    }

    @Override
    public String toString() {
        return file + "#" + index + " " + kind() + "/" + name();
    }
}
