# shellcheck shell=bash
# Shared helpers for bin/run, bin/test and .ci/run. Source it; do not execute it.
#
#   STANCHION_ROOT        the repository root (set on source)
#   ensure_nats_server    makes sure a nats-server binary exists (installs Debian's package when it can)
#                         and sets NATS_SERVER_BIN to it; returns 1 with a one-line message when it cannot.
#   build_jar_if_stale    builds target/stanchion.jar (mvn package -DskipTests) when missing or older than sources
#   ensure_cds_archive    makes target/stanchion.jsa (the AppCDS archive) by a training start; see below
#   JVM_OPTIONS_FILE      config/jvm.options, the server's default JVM options (a `java` argument file): start the
#                         server as `java @"$JVM_OPTIONS_FILE" $JAVA_OPTS -jar ...` so that JAVA_OPTS override them
#
# Set NATS_SERVER_BIN yourself to use a nats-server that is not on PATH nor in /usr/sbin.

# shellcheck disable=SC2034 # used by the scripts that source this file
STANCHION_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The one place of the server's default JVM options (bin/run, the Dockerfile and bin/bench's servers use it).
# shellcheck disable=SC2034 # used by the scripts that source this file
JVM_OPTIONS_FILE="$STANCHION_ROOT/config/jvm.options"

stanchion_log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }

# Prints the path of a nats-server binary, or nothing.
find_nats_server() {
  if [[ -n "${NATS_SERVER_BIN:-}" && -x "${NATS_SERVER_BIN}" ]]; then
    printf '%s\n' "${NATS_SERVER_BIN}"
  elif command -v nats-server >/dev/null 2>&1; then
    command -v nats-server
  elif [[ -x /usr/sbin/nats-server ]]; then
    printf '%s\n' /usr/sbin/nats-server
  fi
}

# Runs apt-get with the given arguments as root: directly when we are root, through `sudo -n` when
# sudo works without a password. Returns 2 when neither is possible.
_apt_get_as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
    sudo -n env DEBIAN_FRONTEND=noninteractive apt-get "$@"
  else
    return 2
  fi
}

ensure_nats_server() {
  local bin
  bin="$(find_nats_server)"
  if [[ -z "$bin" ]]; then
    if ! command -v apt-get >/dev/null 2>&1; then
      stanchion_log "nats-server not found and apt-get is not available: install nats-server (2.9 or newer) on PATH, or set NATS_SERVER_BIN to its path."
      return 1
    fi
    if [[ "$(id -u)" -ne 0 ]] && ! { command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; }; then
      stanchion_log "nats-server not found: install it with 'sudo apt-get install nats-server' (or put a nats-server binary on PATH / set NATS_SERVER_BIN), then run this again."
      return 1
    fi
    stanchion_log "nats-server not found; installing Debian package nats-server ..."
    _apt_get_as_root -q update -o Dpkg::Use-Pty=0 >/dev/null \
      || stanchion_log "warning: 'apt-get update' failed; trying the install with the current package lists"
    if ! _apt_get_as_root -q -y -o Dpkg::Use-Pty=0 install --no-install-recommends nats-server >/dev/null; then
      stanchion_log "could not install nats-server with apt-get; install it by hand (package nats-server) or set NATS_SERVER_BIN."
      return 1
    fi
    bin="$(find_nats_server)"
    if [[ -z "$bin" ]]; then
      stanchion_log "nats-server package installed but no nats-server binary found on PATH or in /usr/sbin."
      return 1
    fi
  fi
  NATS_SERVER_BIN="$bin"
  export NATS_SERVER_BIN
  # Tests look for nats-server on PATH (or in /usr/sbin): make sure the one we found is the one they see.
  case ":$PATH:" in
    *":$(dirname "$bin"):"*) ;;
    *) PATH="$(dirname "$bin"):$PATH"; export PATH ;;
  esac
}

# The status page's browser test drives Debian's Chromium through chromedriver: install both when missing
# (as root or with password-less sudo); otherwise say so (that one test then fails with the same advice).
ensure_chromium() {
  local chromium="${CHROMIUM_BIN:-/usr/bin/chromium}" driver="${CHROMEDRIVER_BIN:-/usr/bin/chromedriver}"
  if [[ -x "$chromium" && -x "$driver" ]]; then
    return 0
  fi
  stanchion_log "chromium/chromedriver not found; installing Debian packages chromium chromium-driver ..."
  _apt_get_as_root -q update -o Dpkg::Use-Pty=0 >/dev/null || true
  if ! _apt_get_as_root -q -y -o Dpkg::Use-Pty=0 install chromium chromium-driver >/dev/null; then
    stanchion_log "could not install chromium chromium-driver: StatusPageBrowserTest will be skipped; install them by hand."
  fi
  return 0
}

# Fails with a clear message when a required command is missing.
require_command() {
  local cmd="$1" hint="$2"
  if ! command -v "$cmd" >/dev/null 2>&1; then
    stanchion_log "'$cmd' not found: $hint"
    return 1
  fi
}

# Builds target/stanchion.jar when it is missing or older than the sources.
build_jar_if_stale() {
  local jar="$STANCHION_ROOT/target/stanchion.jar" stale="" src
  if [[ ! -f "$jar" ]]; then
    stale="missing"
  else
    for src in "$STANCHION_ROOT/pom.xml" "$STANCHION_ROOT/streaming" "$STANCHION_ROOT/store" \
               "$STANCHION_ROOT/proto" "$STANCHION_ROOT/src/main"; do
      [[ -e "$src" ]] || continue
      if [[ -n "$(find "$src" -newer "$jar" -type f -print -quit)" ]]; then
        stale="older than the sources"
        break
      fi
    done
  fi
  if [[ -n "$stale" ]]; then
    require_command mvn "install Maven 3.8 or newer (e.g. 'apt-get install maven')." || return 1
    stanchion_log "target/stanchion.jar is $stale; building it (mvn -B -q package -DskipTests) ..."
    (cd "$STANCHION_ROOT" && mvn -B -q package -DskipTests)
  fi
}

# Makes target/stanchion.jsa, an AppCDS archive of the classes a start loads (JDK 13+ dynamic archive), when it
# is missing or older than the jar: one training start of the server from the jar against the NATS server at $1,
# on a scratch store, stopped (SIGTERM) once ready; the JVM writes the archive as it exits. Starting with
# -XX:SharedArchiveFile=target/stanchion.jsa then maps those classes instead of loading and verifying them: about
# half of the launch-to-ready time. Sets CDS_FLAGS to the flags to start with (empty when there is no archive: the
# server then simply starts without it). STANCHION_CDS=0 turns it off.
ensure_cds_archive() {
  local url="$1" jar="$STANCHION_ROOT/target/stanchion.jar" jsa="$STANCHION_ROOT/target/stanchion.jsa"
  CDS_FLAGS=""
  [[ "${STANCHION_CDS:-1}" != "0" ]] || return 0
  if [[ ! -f "$jsa" || "$jar" -nt "$jsa" ]]; then
    local scratch log pid i
    scratch="$(mktemp -d)"
    log="$STANCHION_ROOT/target/cds-training.log"
    stanchion_log "creating the class-data archive target/stanchion.jsa (one training start, a few seconds) ..."
    rm -f "$jsa" "$jsa.tmp"
    java "@$JVM_OPTIONS_FILE" -XX:ArchiveClassesAtExit="$jsa.tmp" -jar "$jar" -ns "$url" -cid stanchion-cds-training \
      -st FILE --dir "$scratch/store" >"$log" 2>&1 </dev/null &
    pid=$!
    for ((i = 0; i < 600; i++)); do
      grep -q "Streaming Server is ready" "$log" 2>/dev/null && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -rf "$scratch"
    if [[ -s "$jsa.tmp" ]]; then
      mv "$jsa.tmp" "$jsa"
    else
      rm -f "$jsa.tmp"
      stanchion_log "no class-data archive made (see $log); starting without it"
      return 0
    fi
  fi
  CDS_FLAGS="-XX:SharedArchiveFile=$jsa -Xlog:cds=off -Xlog:cds+dynamic=off"
}
