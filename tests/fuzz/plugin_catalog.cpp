#include "plugin_catalog.hpp"

#include "common/log.hpp"

#include <cstdio>
#include <cstdlib>

namespace sluice::fuzz {

plugin::Registry& plugin_catalog() {
    static plugin::Registry* registry = [] {
        log::set_level(log::Level::off);
        auto* r = new plugin::Registry();
        auto report = r->scan({SLUICE_FUZZ_PLUGIN_DIR});
        for (const auto& refusal : report.refused) std::fprintf(stderr, "plugin refused: %s: %s\n", refusal.file.c_str(), refusal.reason.c_str());
        using K = config::ConnectorKind;
        if (!r->find(K::source, "datagen") || !r->find(K::sink, "file") || !r->find(K::sink, "blackhole") ||
            !r->find(K::transform, "insert_field")) {
            std::fprintf(stderr, "the fuzz plugin directory %s lacks datagen, file, blackhole or the standard transforms\n",
                         SLUICE_FUZZ_PLUGIN_DIR);
            std::abort();
        }
        return r;
    }();
    return *registry;
}

}  // namespace sluice::fuzz
