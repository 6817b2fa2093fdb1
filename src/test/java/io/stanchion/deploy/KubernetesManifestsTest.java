package io.stanchion.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaim;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1Probe;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.stanchion.config.ClusterConfig;
import io.stanchion.config.ServerConfig;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes manifests under deploy/kubernetes: every YAML document is checked against the Kubernetes schemas
 * (the official client's OpenAPI-generated models, and fabric8's JSON schemas with networknt's validator), and each
 * Stanchion StatefulSet (clustered and standalone) against what the server needs: a volume claim for the store,
 * probes on the monitoring port's /healthz, a headless governing Service, Prometheus scrape annotations for
 * /metrics, resources, arguments the server's own flag parser accepts, and for the cluster peers that are exactly
 * the StatefulSet's pods under the headless Service.
 */
class KubernetesManifestsTest {

    /** What the monitoring server serves (io.stanchion.monitor.Monitoring). */
    private static final String HEALTH_PATH = "/healthz";
    private static final String METRICS_PATH = "/metrics";

    private static final Path JVM_OPTIONS = Path.of(System.getProperty("basedir", "."), "config", "jvm.options");

    @TempDir
    Path scratch;

    @TestFactory
    Stream<DynamicTest> everyDocumentIsValidForTheOfficialKubernetesModels() {
        List<Manifest> all = Manifest.all();
        assertThat(all).hasSizeGreaterThanOrEqualTo(8);
        return all.stream().map(m -> DynamicTest.dynamicTest(m.toString(), () -> OfficialModels.parse(m)));
    }

    @TestFactory
    Stream<DynamicTest> everyDocumentIsValidForTheJsonSchema() {
        Fabric8Schemas schemas = new Fabric8Schemas();
        assertThat(schemas.modules()).contains("core", "apps", "policy");
        return Manifest.all().stream().map(m -> DynamicTest.dynamicTest(m.toString(),
                () -> assertThat(schemas.validate(m)).as(m.toString()).isEmpty()));
    }

    @Test
    void clusteredStatefulSet() throws IOException {
        Deployment d = Deployment.of(Manifest.ROOT.resolve("stanchion.yaml"));
        assertThat(d.replicas()).as("replicas").isGreaterThanOrEqualTo(3).isOdd();
        checkCommon(d);
        V1Service headless = d.headlessService();
        for (int ordinal = 0; ordinal < d.replicas(); ordinal++) {
            String pod = d.podName(ordinal);
            ClusterConfig cluster = d.serverConfig(pod, scratch).cluster;
            assertThat(cluster).as(pod + " clustered").isNotNull();
            assertThat(cluster.nodeId()).isEqualTo(pod);
            assertThat(cluster.peers()).as("peers of " + pod)
                    .extracting(ClusterConfig.Peer::id, ClusterConfig.Peer::host, ClusterConfig.Peer::port)
                    .containsExactlyInAnyOrderElementsOf(IntStream.range(0, d.replicas())
                            .mapToObj(i -> org.assertj.core.groups.Tuple.tuple(d.podName(i),
                                    d.podName(i) + "." + headless.getMetadata().getName(), d.raftPort()))
                            .toList());
            assertThat(cluster.listenHost()).as("Raft listens on the pod's addresses").isEqualTo("0.0.0.0");
        }
        assertThat(headless.getSpec().getPorts()).extracting(p -> p.getPort()).contains(d.raftPort());
        assertThat(headless.getSpec().getPublishNotReadyAddresses())
                .as("peers resolve before the group is formed and ready").isTrue();
        V1PodDisruptionBudget pdb = d.only(V1PodDisruptionBudget.class);
        assertThat(d.podLabels()).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
        assertThat(pdb.getSpec().getMaxUnavailable()).isEqualTo(new IntOrString(1));
    }

    @Test
    void standaloneStatefulSet() throws IOException {
        Deployment d = Deployment.of(Manifest.ROOT.resolve("standalone").resolve("stanchion.yaml"));
        assertThat(d.replicas()).as("one server per store").isEqualTo(1);
        checkCommon(d);
        assertThat(d.serverConfig(d.podName(0), scratch).cluster).isNull();
    }

    /** The clustered and the standalone variant serve the same cluster ID (clients need not know which runs). */
    @Test
    void bothVariantsServeTheSameClusterId() throws IOException {
        Deployment clustered = Deployment.of(Manifest.ROOT.resolve("stanchion.yaml"));
        Deployment standalone = Deployment.of(Manifest.ROOT.resolve("standalone").resolve("stanchion.yaml"));
        assertThat(clustered.serverConfig(clustered.podName(0), scratch).clusterId)
                .isEqualTo(standalone.serverConfig(standalone.podName(0), scratch).clusterId);
    }

    private void checkCommon(Deployment d) throws IOException {
        V1StatefulSet sts = d.statefulSet();
        assertThat(d.podLabels()).as("pod labels").containsAllEntriesOf(sts.getSpec().getSelector().getMatchLabels());
        V1Container c = d.container();
        ServerConfig cfg = d.serverConfig(d.podName(0), scratch);

        // Store on a PersistentVolumeClaim of the StatefulSet, mounted where -dir points.
        List<V1PersistentVolumeClaim> claims = sts.getSpec().getVolumeClaimTemplates();
        assertThat(claims).as("volumeClaimTemplates").isNotEmpty();
        assertThat(cfg.storeType).isEqualTo(ServerConfig.StoreType.FILE);
        Set<String> claimNames = claims.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
        assertThat(c.getVolumeMounts()).as("the store directory is a claim's mount")
                .anyMatch(m -> claimNames.contains(m.getName()) && Path.of(m.getMountPath()).equals(cfg.dir));
        claims.forEach(p -> assertThat(p.getSpec().getResources().getRequests()).containsKey("storage"));

        // Monitoring: probes on /healthz of the monitoring port, which listens beyond loopback.
        assertThat(cfg.httpPort).as("monitoring port").isPositive();
        assertThat(cfg.httpHost).isEqualTo("0.0.0.0");
        assertThat(c.getReadinessProbe()).as("readinessProbe").isNotNull();
        assertThat(c.getLivenessProbe()).as("livenessProbe").isNotNull();
        for (V1Probe probe : Stream.of(c.getReadinessProbe(), c.getLivenessProbe(), c.getStartupProbe())
                .filter(p -> p != null).toList()) {
            assertThat(probe.getHttpGet()).as("HTTP probe").isNotNull();
            assertThat(probe.getHttpGet().getPath()).isEqualTo(HEALTH_PATH);
            assertThat(d.containerPort(probe.getHttpGet().getPort())).isEqualTo(cfg.httpPort);
        }

        // Prometheus scrape annotations on the pods.
        Map<String, String> annotations = sts.getSpec().getTemplate().getMetadata().getAnnotations();
        assertThat(annotations).containsEntry("prometheus.io/scrape", "true")
                .containsEntry("prometheus.io/port", Integer.toString(cfg.httpPort))
                .containsEntry("prometheus.io/path", METRICS_PATH);

        // Headless governing Service whose selector picks these pods.
        V1Service headless = d.headlessService();
        assertThat(d.podLabels()).containsAllEntriesOf(headless.getSpec().getSelector());

        // The names that reach the monitoring port pass its DNS-rebinding check (Host header): the Services whose
        // ports target it, and each pod's own name under the governing Service.
        for (int ordinal = 0; ordinal < d.replicas(); ordinal++) {
            String pod = d.podName(ordinal);
            List<String> names = new ArrayList<>(d.servicesTargeting(cfg.httpPort));
            names.add(pod + "." + headless.getMetadata().getName());
            assertThat(d.serverConfig(pod, scratch).httpAllowedHosts).as("--http_allowed_hosts of " + pod)
                    .containsAll(names);
        }

        // Every Service of the file selects pods of the manifests and targets a port they have.
        for (V1Service s : d.all(V1Service.class)) {
            assertThat(s.getSpec().getPorts()).allSatisfy(p -> assertThat(
                    d.anyContainerPort(s.getSpec().getSelector(), p.getTargetPort() == null
                            ? new IntOrString(p.getPort()) : p.getTargetPort())).as(s.getMetadata().getName()).isTrue());
        }

        // The NATS URL names a Service of the manifests, on a port it has.
        assertThat(cfg.natsUrls).allSatisfy(url -> {
            java.net.URI uri = java.net.URI.create(url);
            assertThat(d.all(V1Service.class)).as("Service for " + url).anyMatch(s ->
                    s.getMetadata().getName().equals(uri.getHost())
                            && s.getSpec().getPorts().stream().anyMatch(p -> p.getPort() == uri.getPort()));
        });

        // Encryption at rest: the key comes from a Secret, optional (without -encrypt it is not used), in the
        // variable the server reads.
        assertThat(c.getEnv()).as("encryption key from a Secret").anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo(io.stanchion.store.crypto.EncryptionKey.ENV_VARIABLE);
            assertThat(e.getValueFrom().getSecretKeyRef()).isNotNull();
            assertThat(e.getValueFrom().getSecretKeyRef().getOptional()).isTrue();
        });

        // Resources: requests and a memory limit that holds the heap and the process around it.
        var resources = c.getResources();
        assertThat(resources.getRequests()).as("requests").containsKeys("cpu", "memory");
        assertThat(resources.getLimits()).as("limits").containsKey("memory");
        BigDecimal limit = resources.getLimits().get("memory").getNumber();
        assertThat(resources.getRequests().get("memory").getNumber()).isLessThanOrEqualTo(limit);
        long heap = maxHeapBytes(c);
        assertThat(limit).as("memory limit vs. max heap %d bytes (config/jvm.options, JAVA_OPTS)", heap)
                .isGreaterThanOrEqualTo(BigDecimal.valueOf(2 * heap));
    }

    /** The last -Xmx of config/jvm.options and then the container's JAVA_OPTS (the last one wins in java). */
    private static long maxHeapBytes(V1Container c) throws IOException {
        List<String> options = new ArrayList<>();
        for (String line : Files.readAllLines(JVM_OPTIONS)) {
            options.addAll(List.of(line.replaceAll("#.*", "").trim().split("\\s+")));
        }
        c.getEnv().stream().filter(e -> e.getName().equals("JAVA_OPTS") && e.getValue() != null)
                .forEach(e -> options.addAll(List.of(e.getValue().trim().split("\\s+"))));
        long heap = -1;
        for (String o : options) {
            if (o.startsWith("-Xmx")) {
                // java's k/m/g/t suffixes are binary: Kubernetes' Ki/Mi/Gi/Ti.
                heap = Quantity.fromString(o.substring(4).toUpperCase().replaceAll("([KMGT])$", "$1i"))
                        .getNumber().longValueExact();
            }
        }
        assertThat(heap).as("-Xmx in config/jvm.options or JAVA_OPTS").isPositive();
        return heap;
    }
}
