package io.stanchion.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1EnvVar;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1Volume;
import io.kubernetes.client.openapi.models.V1VolumeMount;
import io.stanchion.config.Flags;
import io.stanchion.config.ServerConfig;

/**
 * A container's arguments as the server of one pod gets them, parsed by the server's own flag parser: Kubernetes'
 * {@code $(VAR)} references expanded (a {@code metadata.name} field reference is the pod's name), and a
 * configuration file flag ({@code -sc} / {@code -c}) pointed at a copy of the ConfigMap key mounted at that path.
 */
final class ServerArgs {

    private ServerArgs() {
    }

    static ServerConfig parse(V1PodSpec pod, V1Container container, String podName, List<V1ConfigMap> configMaps,
                              Path scratch) throws IOException {
        List<String> args = new ArrayList<>();
        for (String arg : container.getArgs() == null ? List.<String>of() : container.getArgs()) {
            args.add(expand(arg, container, podName));
        }
        for (int i = 0; i + 1 < args.size(); i++) {
            if (args.get(i).matches("--?(sc|c|stan_config|config)")) {
                args.set(i + 1, mountedFile(pod, container, args.get(i + 1), configMaps, scratch).toString());
            }
        }
        return Flags.parse(args.toArray(String[]::new));
    }

    /** Kubernetes' expansion of $(NAME) in args: env values, metadata.name field references as the pod name. */
    static String expand(String arg, V1Container container, String podName) {
        String out = arg;
        for (V1EnvVar env : container.getEnv() == null ? List.<V1EnvVar>of() : container.getEnv()) {
            String value = env.getValue();
            if (env.getValueFrom() != null && env.getValueFrom().getFieldRef() != null
                    && "metadata.name".equals(env.getValueFrom().getFieldRef().getFieldPath())) {
                value = podName;
            }
            if (value != null) {
                out = out.replace("$(" + env.getName() + ")", value);
            }
        }
        if (out.contains("$(")) {
            throw new IllegalArgumentException("unresolved variable in argument \"" + arg + "\"");
        }
        return out;
    }

    /** The file at {@code path} in the container, when it comes from a ConfigMap volume: copied into scratch. */
    private static Path mountedFile(V1PodSpec pod, V1Container container, String path, List<V1ConfigMap> configMaps,
                                    Path scratch) throws IOException {
        for (V1VolumeMount mount : container.getVolumeMounts()) {
            String dir = mount.getMountPath().endsWith("/") ? mount.getMountPath() : mount.getMountPath() + "/";
            if (!path.startsWith(dir)) {
                continue;
            }
            String key = path.substring(dir.length());
            V1Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName()))
                    .findFirst().orElseThrow(() -> new IllegalArgumentException("no volume " + mount.getName()));
            if (volume.getConfigMap() == null) {
                throw new IllegalArgumentException(path + " is on volume " + mount.getName() + ", not a ConfigMap");
            }
            String cmName = volume.getConfigMap().getName();
            V1ConfigMap cm = configMaps.stream().filter(c -> c.getMetadata().getName().equals(cmName)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no ConfigMap " + cmName + " in the manifests"));
            Map<String, String> data = cm.getData() == null ? Map.of() : cm.getData();
            if (!data.containsKey(key)) {
                throw new IllegalArgumentException("ConfigMap " + cmName + " has no key " + key);
            }
            Path copy = scratch.resolve(cmName + "-" + key);
            Files.writeString(copy, data.get(key));
            return copy;
        }
        throw new IllegalArgumentException("configuration file " + path + " is on no mounted volume");
    }
}
