package io.stanchion.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.stanchion.config.ServerConfig;

/** A Stanchion StatefulSet with the manifests applied with it (its directory's, and the NATS server's). */
record Deployment(V1StatefulSet statefulSet, List<Manifest> manifests) {

    static Deployment of(Path file) {
        List<Manifest> manifests = new ArrayList<>(Manifest.read(file));
        Path nats = Manifest.ROOT.resolve("nats.yaml");
        try (Stream<Path> siblings = Files.list(file.getParent())) {
            for (Path p : siblings.filter(p -> p.toString().endsWith(".yaml") && !p.equals(file)).toList()) {
                manifests.addAll(Manifest.read(p));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        if (!file.getParent().equals(Manifest.ROOT)) {
            manifests.addAll(Manifest.read(nats));
        }
        List<V1StatefulSet> sets = manifests.stream().filter(m -> m.file().equals(file))
                .filter(m -> m.kind().equals("StatefulSet"))
                .map(m -> OfficialModels.parse(m, V1StatefulSet.class)).toList();
        assertThat(sets).as("StatefulSets in " + file).hasSize(1);
        return new Deployment(sets.get(0), manifests);
    }

    <T> List<T> all(Class<T> type) {
        return manifests.stream().filter(m -> type.isAssignableFrom(OfficialModels.modelOf(m)))
                .map(m -> OfficialModels.parse(m, type)).toList();
    }

    <T> T only(Class<T> type) {
        List<T> found = all(type);
        assertThat(found).as(type.getSimpleName()).hasSize(1);
        return found.get(0);
    }

    int replicas() {
        return statefulSet.getSpec().getReplicas();
    }

    String podName(int ordinal) {
        return statefulSet.getMetadata().getName() + "-" + ordinal;
    }

    V1PodSpec pod() {
        return statefulSet.getSpec().getTemplate().getSpec();
    }

    Map<String, String> podLabels() {
        return statefulSet.getSpec().getTemplate().getMetadata().getLabels();
    }

    V1Container container() {
        assertThat(pod().getContainers()).hasSize(1);
        return pod().getContainers().get(0);
    }

    ServerConfig serverConfig(String podName, Path scratch) throws IOException {
        return ServerArgs.parse(pod(), container(), podName, all(V1ConfigMap.class), scratch);
    }

    /** The governing Service (spec.serviceName): must exist and be headless. */
    V1Service headlessService() {
        String name = statefulSet.getSpec().getServiceName();
        V1Service s = all(V1Service.class).stream().filter(x -> x.getMetadata().getName().equals(name))
                .findFirst().orElse(null);
        assertThat(s).as("Service " + name + " (the StatefulSet's serviceName)").isNotNull();
        assertThat(s.getSpec().getClusterIP()).as("clusterIP of " + name).isEqualTo("None");
        return s;
    }

    int containerPort(IntOrString port) {
        if (port.isInteger()) {
            assertThat(container().getPorts()).extracting(V1ContainerPort::getContainerPort)
                    .contains(port.getIntValue());
            return port.getIntValue();
        }
        return container().getPorts().stream().filter(p -> port.getStrValue().equals(p.getName()))
                .findFirst().map(V1ContainerPort::getContainerPort)
                .orElseThrow(() -> new AssertionError("no container port named " + port.getStrValue()));
    }

    int raftPort() {
        return containerPort(new IntOrString("raft"));
    }

    /** The names of the Services that select these pods and have a port targeting the container port. */
    List<String> servicesTargeting(int containerPort) {
        return all(V1Service.class).stream()
                .filter(s -> s.getSpec().getSelector() != null
                        && podLabels().entrySet().containsAll(s.getSpec().getSelector().entrySet()))
                .filter(s -> s.getSpec().getPorts().stream().anyMatch(p -> containerPort(
                        p.getTargetPort() == null ? new IntOrString(p.getPort()) : p.getTargetPort())
                        == containerPort))
                .map(s -> s.getMetadata().getName()).toList();
    }

    /** Whether a pod template of the manifests whose labels match the selector has the port. */
    boolean anyContainerPort(Map<String, String> selector, IntOrString port) {
        return manifests.stream().filter(m -> m.kind().equals("StatefulSet") || m.kind().equals("Deployment"))
                .map(m -> m.node().path("spec").path("template"))
                .filter(t -> selector.entrySet().stream().allMatch(e ->
                        e.getValue().equals(t.path("metadata").path("labels").path(e.getKey()).asString(null))))
                .flatMap(t -> t.path("spec").path("containers").valueStream())
                .flatMap(c -> c.path("ports").valueStream())
                .anyMatch(p -> port.isInteger() ? p.path("containerPort").asInt() == port.getIntValue()
                        : port.getStrValue().equals(p.path("name").asString(null)));
    }
}
