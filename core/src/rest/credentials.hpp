// The REST credentials files the worker reads (and never writes):
//   users  (rest.auth basic):  name:role:$pbkdf2-sha256$...   (`sluice passwd` writes lines)
//   tokens (rest.auth bearer): name:role:token
// Blank lines and lines starting with '#' are ignored; role is viewer or admin. A file is
// read again when its modification time or size changes (looked at no more than once a
// second); a file that became invalid is logged and the previous contents stay in force.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::rest {

enum class Role { viewer, admin };
std::optional<Role> parse_role(std::string_view text);
std::string_view role_name(Role role);

struct Credential {
    std::string name;
    Role role = Role::viewer;
    std::string secret;  // users: the password hash; tokens: SHA-256 of the token
};

enum class CredentialKind { users, tokens };

// Parses a whole file's text; nullopt with `error` ("FILE:LINE: what", never quoting a
// secret) on the first bad line.
std::optional<std::vector<Credential>> parse_credentials(CredentialKind kind, std::string_view text, const std::string& file,
                                                         std::string& error);

std::string sha256(std::string_view bytes);

// The entry whose token is `presented`, comparing against every entry in constant time
// (SHA-256 of both sides, CRYPTO_memcmp), so neither the position nor the length of a
// match shows in the time taken.
const Credential* match_token(const std::vector<Credential>& tokens, std::string_view presented);

// A credentials file kept current.
class CredentialFile {
public:
    // Reads the file now; nullopt-like: false with `error` when missing or invalid.
    bool load(CredentialKind kind, const std::string& path, std::string& error);
    // The current entries (re-read first when the file changed); `reloaded` set when they were.
    std::vector<Credential> entries(bool* reloaded = nullptr);
    // Re-reads now (SIGHUP); false with `error` when the file is invalid (old entries stay).
    bool reload(std::string& error);

private:
    struct Stamp {
        std::filesystem::file_time_type mtime{};
        uintmax_t size = 0;
        bool operator==(const Stamp&) const = default;
    };
    std::optional<Stamp> stamp() const;
    bool read_locked(std::string& error);

    CredentialKind kind_ = CredentialKind::users;
    std::string path_;
    std::mutex mutex_;
    std::vector<Credential> entries_;
    std::optional<Stamp> stamp_;
    std::chrono::steady_clock::time_point next_check_{};
    uint64_t generation_ = 0;
    uint64_t seen_generation_ = 0;
};

}  // namespace sluice::rest
