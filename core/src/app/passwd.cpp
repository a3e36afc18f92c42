#include "app/passwd.hpp"

#include "app/options.hpp"
#include "rest/credentials.hpp"
#include "rest/password_hash.hpp"

#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

namespace sluice::app {
namespace {

std::optional<std::string> read_password(bool terminal, const char* prompt) {
    termios saved{};
    if (terminal) {
        std::cerr << prompt << std::flush;
        tcgetattr(STDIN_FILENO, &saved);
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    std::string line;
    bool got = static_cast<bool>(std::getline(std::cin, line));
    if (terminal) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        std::cerr << "\n";
    }
    if (!got) return std::nullopt;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

// USER's line replaced or added; everything else (comments included) kept as it was.
bool write_users_file(const std::string& path, const std::string& user, const std::string& entry, std::string& error) {
    std::vector<std::string> lines;
    bool replaced = false;
    if (std::ifstream in(path); in) {
        for (std::string line; std::getline(in, line);) {
            if (line.rfind(user + ":", 0) == 0) {
                if (replaced) continue;
                line = entry;
                replaced = true;
            }
            lines.push_back(line);
        }
    }
    if (!replaced) lines.push_back(entry);
    std::string text;
    for (const auto& l : lines) text += l + "\n";
    std::string why;
    if (!rest::parse_credentials(rest::CredentialKind::users, text, path, why)) {
        error = "the file would not be a valid users file, left unchanged: " + why;
        return false;
    }
    const std::string tmp = path + ".tmp";
    mode_t old = umask(077);
    FILE* f = std::fopen(tmp.c_str(), "w");
    umask(old);
    if (!f || std::fwrite(text.data(), 1, text.size(), f) != text.size() || std::fclose(f) != 0) {
        error = "cannot write " + tmp;
        return false;
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        error = "cannot replace " + path;
        return false;
    }
    return true;
}

}  // namespace

int passwd_command(const std::vector<std::string>& args) {
    std::string role = "viewer", file, user;
    int iterations = rest::kDefaultPasswordIterations;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](std::string& into) {
            if (auto eq = a.find('='); eq != std::string::npos) into = a.substr(eq + 1);
            else if (i + 1 < args.size()) into = args[++i];
            else return false;
            return true;
        };
        auto is = [&](const char* flag) { return a == flag || a.rfind(std::string(flag) + "=", 0) == 0; };
        std::string text;
        if (a == "--help" || a == "-h") {
            std::cout << "Usage: sluice passwd [--role viewer|admin] [--file USERS_FILE] [--iterations N] USER\n"
                         "  Reads USER's password from standard input and writes the line of the users file\n"
                         "  of rest.auth basic (to USERS_FILE, or to standard output).\n";
            return kOk;
        } else if (is("--role")) {
            if (!value(role)) return std::cerr << "sluice passwd: --role needs a value\n", kUsage;
        } else if (is("--file")) {
            if (!value(file)) return std::cerr << "sluice passwd: --file needs a value\n", kUsage;
        } else if (is("--iterations")) {
            if (!value(text) || text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos ||
                std::stoi(text) < rest::kMinPasswordIterations) {
                std::cerr << "sluice passwd: --iterations: expected a number of at least " << rest::kMinPasswordIterations << "\n";
                return kUsage;
            }
            iterations = std::stoi(text);
        } else if (!a.empty() && a[0] == '-') {
            std::cerr << "sluice passwd: unknown option '" << a << "'\n";
            return kUsage;
        } else if (user.empty()) {
            user = a;
        } else {
            std::cerr << "sluice passwd: one USER only\n";
            return kUsage;
        }
    }
    if (user.empty() || user.find_first_of(": \t") != std::string::npos) {
        std::cerr << "sluice passwd: expected one USER name (no ':' or spaces); see sluice passwd --help\n";
        return kUsage;
    }
    if (!rest::parse_role(role)) {
        std::cerr << "sluice passwd: --role: expected viewer or admin, got '" << role << "'\n";
        return kUsage;
    }
    const bool terminal = isatty(STDIN_FILENO) == 1;
    auto password = read_password(terminal, "Password: ");
    if (!password || password->empty()) {
        std::cerr << "sluice passwd: no password given on standard input\n";
        return kUsage;
    }
    if (terminal) {
        auto again = read_password(true, "Again: ");
        if (!again || *again != *password) {
            std::cerr << "sluice passwd: the passwords differ\n";
            return kUsage;
        }
    }
    const std::string entry = user + ":" + role + ":" + rest::hash_password(*password, iterations);
    if (file.empty()) {
        std::cout << entry << "\n";
        return kOk;
    }
    std::string error;
    if (!write_users_file(file, user, entry, error)) {
        std::cerr << "sluice passwd: " << file << ": " << error << "\n";
        return kRuntimeFailure;
    }
    std::cerr << "sluice passwd: " << user << " (" << role << ") written to " << file << "\n";
    return kOk;
}

}  // namespace sluice::app
