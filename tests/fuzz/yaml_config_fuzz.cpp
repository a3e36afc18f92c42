// Pipeline and worker files: the fuzz bytes written as a file, read by `sluice validate`'s
// own path (load_pipeline: YAML, the pipeline parser, the binder against real plugin
// declarations, transforms, predicates, errors, ${env:}/${file:} references), and the same
// bytes read as a worker file. No exception may escape; a refused file has diagnostics, each
// naming the file and a line and column in it; an accepted one is consistent.
#include "fuzz_support.hpp"
#include "plugin_catalog.hpp"

#include "config/pipeline_config.hpp"
#include "config/worker_config.hpp"

#include <cstdlib>
#include <fstream>
#include <string>

using namespace sluice;

namespace {

struct Scratch {
    std::string dir;
    std::string file;
    Scratch() {
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/sluice-fuzz-yaml-XXXXXX";
        if (!mkdtemp(pattern.data())) std::abort();
        dir = pattern;
        file = dir + "/fuzz.yaml";
        // What ${file:secrets.properties:KEY} finds (relative to the pipeline file).
        std::ofstream(dir + "/secrets.properties") << "password=fuzz-secret-1234\nname: fuzz\n# comment\ntopic = t1\n";
    }
};

// True when the text is YAML with at least one node (one yaml-cpp gives a position).
bool has_node(const std::string& text) {
    try {
        return !YAML::Load(text).Mark().is_null();
    } catch (const YAML::Exception&) {
        return true;  // invalid YAML: its diagnostic has the parser's position
    }
}

void check_diagnostics(const config::Diagnostics& diags, const std::string& file, const std::string& text) {
    const bool positioned = has_node(text);  // nothing in the document (blanks, comments): no position to give
    for (const auto& d : diags.items()) {
        FUZZ_CHECK(d.where.file == file, "diagnostic outside the file: " + d.format());
        FUZZ_CHECK(!d.message.empty(), "diagnostic without a message: " + d.format());
        if (positioned) FUZZ_CHECK(d.where.line >= 1 && d.where.column >= 1, "diagnostic without a position: " + d.format());
    }
    (void)diags.format();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static Scratch scratch;
    auto& catalog = fuzz::plugin_catalog();
    const std::string text(reinterpret_cast<const char*>(data), size);
    {
        std::ofstream out(scratch.file, std::ios::binary | std::ios::trunc);
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
    }

    config::Diagnostics diags;
    std::optional<config::PipelineSpec> pipeline;
    try {
        pipeline = config::load_pipeline(scratch.file, catalog, diags);
    } catch (const std::exception& e) {
        if (!fuzz::tolerated(e)) throw;
        return 0;
    }
    FUZZ_CHECK(pipeline.has_value() == diags.empty(), "a pipeline is refused without a reason, or accepted with errors:\n" + diags.format());
    check_diagnostics(diags, scratch.file, text);
    if (pipeline) {
        FUZZ_CHECK(!config::name_problem(pipeline->name), "accepted pipeline name " + fuzz::excerpt(pipeline->name));
        FUZZ_CHECK(!pipeline->connectors.empty(), "a pipeline accepted without connectors");
        for (const auto& c : pipeline->connectors) {
            FUZZ_CHECK(catalog.find(c.kind, c.plugin) != nullptr, "accepted unknown plugin " + fuzz::excerpt(c.plugin));
            FUZZ_CHECK(c.tasks >= 1, "accepted tasks " + std::to_string(c.tasks));
            FUZZ_CHECK(c.name.rfind(pipeline->name + ".", 0) == 0, "connector " + fuzz::excerpt(c.name) + " outside its pipeline");
            FUZZ_CHECK(!c.topics.empty(), "connector " + fuzz::excerpt(c.name) + " accepted without topics");
            for (const auto& t : c.topics) FUZZ_CHECK(!config::topic_name_problem(t), "accepted topic " + fuzz::excerpt(t));
            for (const auto& [key, value] : c.config)
                FUZZ_CHECK(!value.masked() || value.display() == "****", "a secret or provider value shown: " + key);
        }
        std::vector<config::PipelineSpec> all = {*pipeline};
        config::check_pipelines(all, {"sluice-offsets"}, diags);
    }

    config::Diagnostics worker_diags;
    std::optional<config::WorkerConfig> worker;
    try {
        worker = config::load_worker_config(scratch.file, worker_diags);
    } catch (const std::exception& e) {
        if (!fuzz::tolerated(e)) throw;
        return 0;
    }
    FUZZ_CHECK(worker.has_value() == worker_diags.empty(), "a worker file refused without a reason:\n" + worker_diags.format());
    check_diagnostics(worker_diags, scratch.file, text);
    return 0;
}
