#include "rest/api.hpp"

#include "common/log.hpp"
#include "rest/tap.hpp"

#include <chrono>

namespace sluice::rest {

Api::Api(runtime::Worker& worker, plugin::Registry& registry, ApiOptions options)
    : worker_(worker),
      registry_(registry),
      options_(std::move(options)),
      control_(worker, registry, config::rest_access_policy(worker.config()), [this] { persist(); }) {
    if (!options_.state_file.empty()) store_ = std::make_unique<StateStore>(options_.state_file);
    // Literal routes before parameter routes: the first match wins.
    add_root_routes(router_, *this);
    add_plugin_routes(router_, *this);
    add_pipeline_routes(router_, *this);
    add_offset_routes(router_, *this);
    add_tap_routes(router_, *this);
    add_logger_routes(router_, *this);
    add_connector_routes(router_, *this);
}

namespace {
// The method as a metrics label: any token is a method to HTTP, so a client sending made-up
// ones would otherwise add a series (and /metrics text) per request without bound.
std::string_view method_label(const std::string& method) {
    for (std::string_view known : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
        if (method == known) return known;
    return "other";
}
}  // namespace

HttpResponse Api::handle(const HttpRequest& request) {
    const auto started = std::chrono::steady_clock::now();
    std::string route;
    HttpResponse response;
    const bool always = request.path == "/" || request.path == "/health" || request.path == "/metrics";
    if (!serving_.load() && !always) {
        route = "starting";
        response = error_response(503, "the worker is still starting; retry in a moment");
    } else {
        response = router_.dispatch(request, route);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (options_.observe) options_.observe(route, method_label(request.method), response.status, seconds);
    // Every call should answer well within a second or two: a slow one is worth a line.
    if (seconds >= 2.0) log::warn("REST ", request.method, " ", route, " -> ", response.status, " took ", seconds, " s");
    else log::debug("REST ", request.method, " ", request.target, " -> ", response.status);
    return response;
}

void Api::persist() {
    if (!store_) return;
    std::unique_lock lock(persist_mutex_);
    const uint64_t mine = ++persist_requested_;
    while (persist_written_ < mine) {
        if (persisting_) {
            persisted_.wait(lock);
            continue;
        }
        // This caller writes for itself and for every caller that asked before the snapshot.
        persisting_ = true;
        const uint64_t covered = persist_requested_;
        lock.unlock();
        std::string error;
        const bool saved = store_->save(snapshot(), error);
        if (!saved) log::error("cannot store the REST-created connectors: ", error);
        lock.lock();
        persist_written_ = covered;
        persisting_ = false;
        persisted_.notify_all();
    }
}

StoredState Api::snapshot() {
    StoredState state;
    for (const auto& [name, pipeline] : control_.pipelines()) state.pipelines.push_back({name, pipeline.yaml, {}});
    for (const auto& e : control_.connectors()) {
        const auto& d = e.definition;
        const std::string target(runtime::target_name(e.target));
        if (d.origin != runtime::Origin::rest) continue;
        if (!d.pipeline.empty()) {
            for (auto& p : state.pipelines)
                if (p.name == d.pipeline && target != "RUNNING") p.states[d.spec.name] = target;
            continue;
        }
        state.connectors.push_back({d.spec.name, d.flat, target});
    }
    for (const auto& c : unrestored_) state.connectors.push_back(c);
    return state;
}

void Api::restore() {
    struct Open {
        std::atomic<bool>& flag;
        ~Open() { flag = true; }
    } open{serving_};  // requests other than / and /health wait for the worker and for this
    if (!store_) return;
    std::string error;
    auto state = store_->load(error);
    if (!state) {
        log::error("REST state file: ", error, "; starting without the connectors it holds (the file is left as it is)");
        store_.reset();  // never overwrite a file we could not read
        return;
    }
    size_t restored = 0;
    for (const auto& c : state->connectors) {
        auto target = runtime::parse_target(c.state).value_or(runtime::TargetState::running);
        std::string message;
        if (control_.restore_connector(c.name, c.config, target, message)) {
            ++restored;
            continue;
        }
        log::error("stored connector ", c.name, " cannot be created now (kept in ", store_->path(), "): ", message);
        unrestored_.push_back(c);
    }
    for (const auto& p : state->pipelines) {
        std::map<std::string, runtime::TargetState> targets;
        for (const auto& [connector, target] : p.states)
            targets[connector] = runtime::parse_target(target).value_or(runtime::TargetState::running);
        restored += control_.restore_pipeline(p.name, p.yaml, targets);
    }
    log::info("restored ", restored, " REST-created connectors from ", store_->path());
}

}  // namespace sluice::rest
