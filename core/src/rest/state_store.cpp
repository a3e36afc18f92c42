#include "rest/state_store.hpp"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sluice::rest {

namespace fs = std::filesystem;

std::string state_file_for(const std::string& worker_file) {
    fs::path p(worker_file);
    return (p.parent_path() / (p.stem().string() + ".connectors.json")).string();
}

std::optional<StoredState> StateStore::load(std::string& error) const {
    StoredState state;
    std::ifstream in(path_, std::ios::binary);
    if (!in) {
        std::error_code ec;
        if (!fs::exists(path_, ec)) return state;
        error = "cannot read " + path_ + ": " + std::strerror(errno);
        return std::nullopt;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto j = nlohmann::json::parse(text.str(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        error = path_ + " is not a JSON object (a sluice REST state file)";
        return std::nullopt;
    }
    try {
        for (const auto& c : j.value("connectors", nlohmann::json::array()))
            state.connectors.push_back({c.at("name").get<std::string>(), c.at("config").get<std::map<std::string, std::string>>(),
                                        c.value("state", "RUNNING")});
        for (const auto& p : j.value("pipelines", nlohmann::json::array()))
            state.pipelines.push_back({p.at("name").get<std::string>(), p.at("yaml").get<std::string>(),
                                       p.value("states", std::map<std::string, std::string>{})});
    } catch (const nlohmann::json::exception& e) {
        error = path_ + ": unexpected content: " + e.what();
        return std::nullopt;
    }
    return state;
}

bool StateStore::save(const StoredState& state, std::string& error) const {
    nlohmann::json j = {{"version", 1}, {"connectors", nlohmann::json::array()}, {"pipelines", nlohmann::json::array()}};
    for (const auto& c : state.connectors) j["connectors"].push_back({{"name", c.name}, {"config", c.config}, {"state", c.state}});
    for (const auto& p : state.pipelines) j["pipelines"].push_back({{"name", p.name}, {"yaml", p.yaml}, {"states", p.states}});
    const std::string text = j.dump(2) + "\n";
    const std::string tmp = path_ + ".tmp";
    auto fail = [&](const std::string& what) {
        error = what + " " + tmp + ": " + std::strerror(errno);
        return false;
    };
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return fail("cannot create");
    size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ::close(fd);
            return fail("cannot write");
        }
        done += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) {
        ::close(fd);
        return fail("cannot fsync");
    }
    ::close(fd);
    if (::rename(tmp.c_str(), path_.c_str()) != 0) return fail("cannot rename onto " + path_ + " from");
    // The rename itself is durable once the directory is.
    std::string dir = fs::path(path_).parent_path().string();
    int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return true;
}

}  // namespace sluice::rest
