#include "rest/credentials.hpp"

#include "common/log.hpp"
#include "common/text.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <fstream>
#include <sstream>

#include "rest/password_hash.hpp"

namespace sluice::rest {

std::optional<Role> parse_role(std::string_view text) {
    if (text == "viewer") return Role::viewer;
    if (text == "admin") return Role::admin;
    return std::nullopt;
}

std::string_view role_name(Role role) { return role == Role::admin ? "admin" : "viewer"; }

std::string sha256(std::string_view bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr);
    return std::string(reinterpret_cast<const char*>(digest), size);
}

std::optional<std::vector<Credential>> parse_credentials(CredentialKind kind, std::string_view text, const std::string& file,
                                                         std::string& error) {
    std::vector<Credential> out;
    size_t line_no = 0;
    for (auto& raw : text::split(text, '\n')) {
        ++line_no;
        std::string_view line = text::trim(raw);
        if (line.empty() || line.front() == '#') continue;
        auto fail = [&](const std::string& what) {
            error = file + ":" + std::to_string(line_no) + ": " + what;
            return std::nullopt;
        };
        auto c1 = line.find(':');
        auto c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
        if (c2 == std::string_view::npos)
            return fail(kind == CredentialKind::users ? "expected name:role:hash" : "expected name:role:token");
        Credential c;
        c.name = std::string(line.substr(0, c1));
        if (c.name.empty()) return fail("empty name");
        if (text::invalid_utf8_at(c.name) || c.name.find_first_of(" \t") != std::string::npos)
            return fail("the name must be UTF-8 without spaces");
        auto role = parse_role(line.substr(c1 + 1, c2 - c1 - 1));
        if (!role) return fail("expected the role viewer or admin, got " + text::shown(line.substr(c1 + 1, c2 - c1 - 1)));
        c.role = *role;
        std::string_view secret = line.substr(c2 + 1);
        if (kind == CredentialKind::users) {
            if (auto problem = password_hash_problem(secret)) return fail("user " + c.name + ": " + *problem);
            c.secret = std::string(secret);
        } else {
            if (secret.size() < 16) return fail("token of " + c.name + " is shorter than 16 characters");
            c.secret = sha256(secret);
        }
        for (const auto& e : out)
            if (e.name == c.name) return fail(c.name + " appears twice");
        out.push_back(std::move(c));
    }
    return out;
}

const Credential* match_token(const std::vector<Credential>& tokens, std::string_view presented) {
    const std::string digest = sha256(presented);
    const Credential* found = nullptr;
    for (const auto& t : tokens)  // no early exit: every entry costs the same
        if (CRYPTO_memcmp(t.secret.data(), digest.data(), digest.size()) == 0 && t.secret.size() == digest.size()) found = &t;
    return found;
}

std::optional<CredentialFile::Stamp> CredentialFile::stamp() const {
    std::error_code ec;
    Stamp s;
    s.mtime = std::filesystem::last_write_time(path_, ec);
    if (ec) return std::nullopt;
    s.size = std::filesystem::file_size(path_, ec);
    if (ec) return std::nullopt;
    return s;
}

bool CredentialFile::read_locked(std::string& error) {
    auto now_stamp = stamp();
    std::ifstream in(path_, std::ios::binary);
    if (!in) {
        error = "cannot read " + path_;
        return false;
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    auto parsed = parse_credentials(kind_, buffer.str(), path_, error);
    stamp_ = now_stamp;  // an invalid file is not read again until it changes
    if (!parsed) return false;
    entries_ = std::move(*parsed);
    ++generation_;
    return true;
}

bool CredentialFile::load(CredentialKind kind, const std::string& path, std::string& error) {
    std::lock_guard lock(mutex_);
    kind_ = kind;
    path_ = path;
    if (!read_locked(error)) return false;
    seen_generation_ = generation_;
    if (entries_.empty()) log::warn("REST credentials file ", path_, " has no entries: every request with credentials is refused");
    return true;
}

bool CredentialFile::reload(std::string& error) {
    std::lock_guard lock(mutex_);
    return read_locked(error);
}

std::vector<Credential> CredentialFile::entries(bool* reloaded) {
    std::lock_guard lock(mutex_);
    auto now = std::chrono::steady_clock::now();
    if (now >= next_check_) {
        next_check_ = now + std::chrono::seconds(1);
        if (stamp() != stamp_) {
            std::string error;
            if (read_locked(error)) log::info("REST credentials reloaded from ", path_, " (", entries_.size(), " entries)");
            else log::error("REST credentials not reloaded, the previous ones stay in force: ", error);
        }
    }
    if (reloaded) *reloaded = generation_ != seen_generation_;
    seen_generation_ = generation_;
    return entries_;
}

}  // namespace sluice::rest
