// The deployment files, checked as far as the tools here allow (no Docker engine, no
// Kubernetes API server): every YAML document of docker-compose.yml and configs/kubernetes
// parses and has the keys a three-worker cluster needs, the worker files they run load as
// valid sluice worker files with a cluster group id, and `docker-compose config -q` and
// `kubectl kustomize` accept them when those programs are installed.
#include "config/worker_config.hpp"

#include "process.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

using namespace sluice;
namespace fs = std::filesystem;
using testing::TempDir;

namespace {

const std::string kSource = SLUICE_SOURCE_DIR;
const std::string kKubernetes = kSource + "/configs/kubernetes";

// yaml-cpp 0.7 knows no merge keys ("<<: *anchor"): apply them, recursively, as compose does
// (the map's own keys win over the merged ones).
YAML::Node merged(const YAML::Node& node) {
    if (node.IsSequence()) {
        YAML::Node out(YAML::NodeType::Sequence);
        for (const auto& item : node) out.push_back(merged(item));
        return out;
    }
    if (!node.IsMap()) return node;
    YAML::Node out(YAML::NodeType::Map);
    for (const auto& kv : node)
        if (kv.first.Scalar() != "<<") out[kv.first.Scalar()] = merged(kv.second);
    if (const auto base = node["<<"]) {
        std::vector<YAML::Node> bases;
        if (base.IsSequence()) for (const auto& b : base) bases.push_back(b);
        else bases.push_back(base);
        for (const auto& b : bases)
            for (const auto& kv : merged(b))
                if (!out[kv.first.Scalar()]) out[kv.first.Scalar()] = kv.second;
    }
    return out;
}

std::vector<YAML::Node> documents(const std::string& path) {
    std::vector<YAML::Node> out;
    for (auto& d : YAML::LoadAllFromFile(path))
        if (!d.IsNull()) out.push_back(merged(d));
    return out;
}

std::string text(const YAML::Node& n) { return n && n.IsScalar() ? n.Scalar() : ""; }

std::map<std::string, std::string> labels(const YAML::Node& n) {
    std::map<std::string, std::string> out;
    if (n && n.IsMap())
        for (const auto& kv : n) out[kv.first.Scalar()] = kv.second.Scalar();
    return out;
}

// Every key=value of `selector` is among `labels`.
bool selects(const std::map<std::string, std::string>& selector, const std::map<std::string, std::string>& target) {
    if (selector.empty()) return false;
    for (const auto& [k, v] : selector)
        if (auto it = target.find(k); it == target.end() || it->second != v) return false;
    return true;
}

// A worker file's text as a file, loaded as `sluice run --worker` would with these
// environment variables set (and unset again after).
std::optional<config::WorkerConfig> load_worker(const TempDir& dir, const std::string& yaml,
                                                const std::map<std::string, std::string>& env, std::string& problems) {
    const std::string path = dir.file("worker.yaml");
    testing::write_file(path, yaml);
    for (const char* name : {"SLUICE_WORKER_ID", "SLUICE_BOOTSTRAP", "SLUICE_REST_PORT"}) ::unsetenv(name);  // only what `env` says
    for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
    config::Diagnostics diags;
    auto w = config::load_worker_config(path, diags);
    for (const auto& [name, value] : env) ::unsetenv(name.c_str());
    problems = diags.format();
    return w;
}

struct Manifests {
    std::map<std::string, std::vector<YAML::Node>> by_kind;
    std::set<std::string> files;
    Manifests() {
        for (const auto& entry : fs::directory_iterator(kKubernetes)) {
            if (entry.path().extension() != ".yaml") continue;
            const std::string name = entry.path().filename().string();
            files.insert(name);
            for (const auto& d : documents(entry.path().string())) {
                INFO(name);
                REQUIRE_MESSAGE(d["kind"], "a document without kind in " << name);
                by_kind[d["kind"].Scalar()].push_back(d);
            }
        }
    }
    const YAML::Node& one(const std::string& kind) {
        REQUIRE_MESSAGE(by_kind[kind].size() == 1, "expected one " << kind);
        return by_kind[kind].front();
    }
};

}  // namespace

TEST_CASE("kubernetes: every manifest parses and the kustomization lists each one") {
    Manifests m;
    CHECK(m.files.count("kustomization.yaml") == 1);
    const auto& k = m.one("Kustomization");
    std::set<std::string> listed;
    for (const auto& r : k["resources"]) listed.insert(r.Scalar());
    std::set<std::string> expected = m.files;
    expected.erase("kustomization.yaml");
    CHECK(listed == expected);
    for (const char* kind : {"StatefulSet", "ConfigMap", "PodDisruptionBudget"}) {
        INFO(kind);
        CHECK(m.by_kind[kind].size() == 1);
    }
    CHECK(m.by_kind["Service"].size() == 2);
}

TEST_CASE("kubernetes: a StatefulSet of N workers, stable ids from the pod name, probes on /health, locked down") {
    Manifests m;
    const auto& set = m.one("StatefulSet");
    const auto spec = set["spec"];
    CHECK(spec["replicas"].as<int>() >= 3);
    const auto template_labels = labels(spec["template"]["metadata"]["labels"]);
    CHECK(selects(labels(spec["selector"]["matchLabels"]), template_labels));

    const auto pod = spec["template"]["spec"];
    REQUIRE(pod["containers"].size() == 1);
    const auto c = pod["containers"][0];

    // The worker id is the pod's name.
    bool worker_id_from_pod_name = false;
    for (const auto& e : c["env"])
        if (text(e["name"]) == "SLUICE_WORKER_ID") worker_id_from_pod_name = text(e["valueFrom"]["fieldRef"]["fieldPath"]) == "metadata.name";
    CHECK(worker_id_from_pod_name);

    // REST port, probes on it.
    int rest_port = 0;
    for (const auto& p : c["ports"])
        if (text(p["name"]) == "rest") rest_port = p["containerPort"].as<int>();
    CHECK(rest_port == 8083);
    for (const char* probe : {"startupProbe", "readinessProbe", "livenessProbe"}) {
        INFO(probe);
        CHECK(text(c[probe]["httpGet"]["path"]) == "/health");
        CHECK(text(c[probe]["httpGet"]["port"]) == "rest");
    }

    // Resources, and nothing that needs root or a writable image.
    CHECK(c["resources"]["requests"]["cpu"]);
    CHECK(c["resources"]["requests"]["memory"]);
    CHECK(c["resources"]["limits"]["memory"]);
    CHECK(pod["securityContext"]["runAsNonRoot"].as<bool>());
    CHECK(pod["securityContext"]["runAsUser"].as<int>() > 0);
    CHECK(c["securityContext"]["readOnlyRootFilesystem"].as<bool>());
    CHECK_FALSE(c["securityContext"]["allowPrivilegeEscalation"].as<bool>());
    CHECK(text(c["securityContext"]["capabilities"]["drop"][0]) == "ALL");

    // The image's user (Dockerfile) is the one the pod runs as.
    const std::string dockerfile = testing::read_file(kSource + "/Dockerfile");
    CHECK(dockerfile.find("USER " + std::to_string(pod["securityContext"]["runAsUser"].as<int>())) != std::string::npos);

    // Every mount has its volume; /tmp and the working directory are writable volumes.
    std::map<std::string, std::string> mounts;  // path -> volume
    for (const auto& v : c["volumeMounts"]) mounts[text(v["mountPath"])] = text(v["name"]);
    std::set<std::string> volumes;
    for (const auto& v : pod["volumes"]) volumes.insert(text(v["name"]));
    for (const auto& [path, volume] : mounts) {
        INFO(path);
        CHECK(volumes.count(volume) == 1);
    }
    CHECK(mounts.count("/tmp") == 1);
    CHECK(mounts.count("/var/lib/sluice") == 1);

    // The headless Service is the StatefulSet's; the REST Service reaches the same pods.
    bool headless = false, rest = false;
    for (const auto& s : m.by_kind["Service"]) {
        const bool selects_pods = selects(labels(s["spec"]["selector"]), template_labels);
        CHECK(selects_pods);
        if (text(s["spec"]["clusterIP"]) == "None") headless = text(s["metadata"]["name"]) == text(spec["serviceName"]);
        else rest = text(s["spec"]["ports"][0]["targetPort"]) == "rest";
    }
    CHECK(headless);
    CHECK(rest);
    const auto& pdb = m.one("PodDisruptionBudget");
    CHECK(selects(labels(pdb["spec"]["selector"]["matchLabels"]), template_labels));
    CHECK((pdb["spec"]["maxUnavailable"] || pdb["spec"]["minAvailable"]));
}

TEST_CASE("kubernetes: the ConfigMap's worker file is a valid cluster worker file for the pods that mount it") {
    Manifests m;
    const auto& cm = m.one("ConfigMap");
    const auto& set = m.one("StatefulSet");
    const auto pod = set["spec"]["template"]["spec"];
    const auto c = pod["containers"][0];

    // The args name the file where the ConfigMap's volume is mounted.
    std::string worker_path;
    for (size_t i = 0; i + 1 < c["args"].size(); ++i)
        if (text(c["args"][i]) == "--worker") worker_path = text(c["args"][i + 1]);
    REQUIRE(!worker_path.empty());
    const std::string dir_of_file = fs::path(worker_path).parent_path().string();
    const std::string key = fs::path(worker_path).filename().string();
    std::string config_volume, tokens_mount;
    for (const auto& v : c["volumeMounts"])
        if (text(v["mountPath"]) == dir_of_file) config_volume = text(v["name"]);
    REQUIRE(!config_volume.empty());
    for (const auto& v : pod["volumes"])
        if (text(v["name"]) == config_volume) CHECK(text(v["configMap"]["name"]) == text(cm["metadata"]["name"]));
    REQUIRE(cm["data"][key]);

    TempDir dir;
    std::string problems;
    auto w = load_worker(dir, cm["data"][key].Scalar(), {{"SLUICE_WORKER_ID", "sluice-0"}}, problems);
    REQUIRE_MESSAGE(w, problems);
    CHECK(w->cluster.enabled());
    CHECK(w->worker_id == "sluice-0");
    CHECK(w->cluster.static_membership);
    CHECK_FALSE(w->embedded());
    CHECK(w->rest_listener == "0.0.0.0:8083");
    CHECK(w->rest_security.auth != "none");
    CHECK(w->rest_security.health_open);  // the kubelet's probes carry no token
    // The tokens file is in a mounted Secret.
    bool tokens_mounted = false;
    for (const auto& v : c["volumeMounts"]) {
        const std::string path = text(v["mountPath"]);
        if (w->rest_security.tokens_file.rfind(path + "/", 0) != 0) continue;
        for (const auto& vol : pod["volumes"])
            if (text(vol["name"]) == text(v["name"])) tokens_mounted = static_cast<bool>(vol["secret"]["secretName"]);
    }
    CHECK(tokens_mounted);
    // The pod is given time to stop gracefully.
    CHECK(pod["terminationGracePeriodSeconds"].as<int64_t>() * 1000 > w->shutdown_timeout_ms);
    // A pod whose id is missing does not start with a made-up one.
    CHECK_FALSE(load_worker(dir, cm["data"][key].Scalar(), {}, problems));
    CHECK(problems.find("SLUICE_WORKER_ID") != std::string::npos);
}

TEST_CASE("docker-compose.yml: three workers of one cluster against the stack's brokers") {
    auto docs = documents(kSource + "/docker-compose.yml");
    REQUIRE(docs.size() == 1);
    const auto services = docs[0]["services"];
    for (const char* s : {"kafka-1", "kafka-2", "kafka-3", "clickhouse", "postgres", "prometheus", "grafana", "sluice-pipelines"}) {
        INFO(s);
        CHECK(services[s]);
    }
    std::set<std::string> ids, host_ports;
    std::string worker_file;
    for (const char* name : {"sluice-1", "sluice-2", "sluice-3"}) {
        INFO(name);
        const auto s = services[name];
        REQUIRE(s);
        CHECK(text(s["image"]) == "sluice:latest");
        ids.insert(text(s["environment"]["SLUICE_WORKER_ID"]));
        REQUIRE(s["ports"].size() == 1);
        host_ports.insert(s["ports"][0].Scalar().substr(0, s["ports"][0].Scalar().rfind(':')));
        std::string file;
        for (size_t i = 0; i + 1 < s["command"].size(); ++i)
            if (text(s["command"][i]) == "--worker") file = text(s["command"][i + 1]);
        CHECK(!file.empty());
        if (worker_file.empty()) worker_file = file;
        CHECK(file == worker_file);  // one worker file, one cluster
        for (const char* broker : {"kafka-1", "kafka-2", "kafka-3"}) CHECK(text(s["depends_on"][broker]["condition"]) == "service_healthy");
        CHECK(s["healthcheck"]["test"].size() > 0);
    }
    CHECK(ids == std::set<std::string>{"sluice-1", "sluice-2", "sluice-3"});
    CHECK(host_ports.size() == 3);

    // The file the workers run is the one the Dockerfile puts there.
    const std::string dockerfile = testing::read_file(kSource + "/Dockerfile");
    REQUIRE(worker_file.rfind("/etc/sluice/", 0) == 0);
    const std::string in_repo = "configs/docker/" + worker_file.substr(std::string("/etc/sluice/").size());
    CHECK(dockerfile.find("COPY " + in_repo + " " + worker_file) != std::string::npos);

    TempDir dir;
    std::string problems;
    for (const auto& id : ids) {
        auto w = load_worker(dir, testing::read_file(kSource + "/" + in_repo), {{"SLUICE_WORKER_ID", id}}, problems);
        REQUIRE_MESSAGE(w, problems);
        CHECK(w->worker_id == id);
        CHECK(w->cluster.group_id == "sluice-stack");
        CHECK(w->bootstrap_servers == "kafka-1:9092,kafka-2:9092,kafka-3:9092");
        // Every variable a pipeline's ${env:...} reads on the worker that runs it is allowed and set.
        for (const auto& [var, value] : labels(services["sluice-1"]["environment"])) {
            if (var == "SLUICE_WORKER_ID") continue;
            INFO(var);
            CHECK(std::find(w->provider_env_names.begin(), w->provider_env_names.end(), var) != w->provider_env_names.end());
        }
    }

    // Prometheus scrapes every worker.
    const auto prometheus = YAML::LoadFile(kSource + "/configs/prometheus/prometheus.yml");
    std::set<std::string> targets;
    for (const auto& t : prometheus["scrape_configs"][0]["static_configs"][0]["targets"]) targets.insert(t.Scalar());
    CHECK(targets == std::set<std::string>{"sluice-1:8083", "sluice-2:8083", "sluice-3:8083"});
}

TEST_CASE("configs/cluster-worker.yaml: the README's workers, one file for all, each its own id and port") {
    TempDir dir;
    std::string problems;
    const std::string yaml = testing::read_file(kSource + "/configs/cluster-worker.yaml");
    auto w = load_worker(dir, yaml, {{"SLUICE_WORKER_ID", "worker-2"}, {"SLUICE_BOOTSTRAP", "127.0.0.1:9092"}, {"SLUICE_REST_PORT", "8084"}},
                         problems);
    REQUIRE_MESSAGE(w, problems);
    CHECK(w->worker_id == "worker-2");
    CHECK(w->rest_listener == "127.0.0.1:8084");
    CHECK(w->bootstrap_servers == "127.0.0.1:9092");
    CHECK(w->cluster.group_id == "sluice-local");
    // Without its id or its Kafka a worker does not start (never on the embedded cluster).
    CHECK_FALSE(load_worker(dir, yaml, {{"SLUICE_BOOTSTRAP", "127.0.0.1:9092"}}, problems));
    CHECK_FALSE(load_worker(dir, yaml, {{"SLUICE_WORKER_ID", "worker-2"}}, problems));
    CHECK(problems.find("SLUICE_BOOTSTRAP") != std::string::npos);
}

TEST_CASE("docker-compose config -q and kubectl kustomize accept the files, where installed") {
    TempDir dir;
    if (std::string(SLUICE_DOCKER_COMPOSE).empty()) {
        MESSAGE("docker-compose is not installed (scripts/install-deps.sh installs it): compose file not checked by it");
    } else {
        auto r = testing::run({SLUICE_DOCKER_COMPOSE, "-f", kSource + "/docker-compose.yml", "config", "-q"}, dir.path().string());
        INFO(r.err);
        CHECK(r.status == testing::exited(0));
    }
    if (std::string(SLUICE_KUBECTL).empty()) {
        MESSAGE("kubectl is not installed: manifests not rendered by kustomize");
    } else {
        testing::SpawnOptions offline;
        offline.env = {{"KUBECONFIG", dir.file("no-kubeconfig")}, {"HOME", dir.path().string()}};
        auto r = testing::run({SLUICE_KUBECTL, "kustomize", kKubernetes}, dir.path().string(), std::chrono::seconds(60), offline);
        INFO(r.err);
        CHECK(r.status == testing::exited(0));
        CHECK(r.out.find("kind: StatefulSet") != std::string::npos);
        CHECK(r.out.find("app.kubernetes.io/part-of: sluice") != std::string::npos);
    }
}
