#include "app/commands.hpp"
#include "app/options.hpp"
#include "app/passwd.hpp"
#include "app/tap_command.hpp"

#include "isolation/plugin_host.hpp"
#include "kafka/client.hpp"
#include <sluice/abi.h>

#include <iostream>

int main(int argc, char** argv) {
    using namespace sluice::app;
    std::string error;
    // The worker's own binary is the plugin host of isolated connectors (plugin.isolation: process).
    if (argc > 1 && std::string(argv[1]) == "plugin-host") return sluice::isolation::plugin_host_main(argc, argv);
    if (argc > 1 && std::string(argv[1]) == "passwd") return passwd_command(std::vector<std::string>(argv + 2, argv + argc));
    if (argc > 1 && std::string(argv[1]) == "tap") return tap_command(std::vector<std::string>(argv + 2, argv + argc));
    auto options = parse_options(std::vector<std::string>(argv + 1, argv + argc), error);
    if (!options) {
        std::cerr << "sluice: " << error << "\n";
        return kUsage;
    }
    switch (options->command) {
    case Command::run: return run_command(*options);
    case Command::validate: return validate_command(*options);
    case Command::check: return check_command(*options);
    case Command::plugins: return plugins_command(*options);
    case Command::version:
        std::cout << "sluice " << SLUICE_VERSION << " (plugin ABI " << SLUICE_ABI_MAJOR << "." << SLUICE_ABI_MINOR
                  << ", librdkafka " << sluice::kafka::library_version() << ")\n";
        return kOk;
    case Command::help: std::cout << help_text(); return kOk;
    }
    return kUsage;
}
