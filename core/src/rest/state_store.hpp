// Where connectors created over REST survive a restart: a JSON file next to the worker
// configuration (standalone mode, like Kafka Connect's offset/config files there). Written
// atomically (temporary file, fsync, rename, fsync of the directory), so a crash leaves the
// old or the new version, never half of one. Mode 0600: declared secrets given literally
// are in it (values given as ${env:...} / ${file:...} are stored as the reference).
//
//   {"version": 1,
//    "connectors": [{"name": "...", "config": {flat map}, "state": "RUNNING|PAUSED|STOPPED"}],
//    "pipelines":  [{"name": "...", "yaml": "...", "states": {"<connector>": "PAUSED"}}]}
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sluice::rest {

struct StoredConnector {
    std::string name;
    std::map<std::string, std::string> config;
    std::string state = "RUNNING";
};

struct StoredPipelineState {
    std::string name;
    std::string yaml;
    std::map<std::string, std::string> states;  // connector -> target state
};

struct StoredState {
    std::vector<StoredConnector> connectors;
    std::vector<StoredPipelineState> pipelines;
};

class StateStore {
public:
    explicit StateStore(std::string path) : path_(std::move(path)) {}
    const std::string& path() const { return path_; }
    // Empty state when the file does not exist; nullopt (and error) when it cannot be read.
    std::optional<StoredState> load(std::string& error) const;
    bool save(const StoredState& state, std::string& error) const;

private:
    std::string path_;
};

// The state file of a worker file: "<dir>/<stem>.connectors.json".
std::string state_file_for(const std::string& worker_file);

}  // namespace sluice::rest
