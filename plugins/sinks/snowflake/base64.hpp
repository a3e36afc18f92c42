// Base64 (RFC 4648 §4) for key fingerprints and base64url without padding (§5) for JWTs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sluice::snowflake {

std::string base64_encode(std::string_view bytes);
std::string base64url_encode(std::string_view bytes);
// nullopt when the text holds a character outside the base64url alphabet or has an
// impossible length; padding is not expected (JWT segments never carry it).
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace sluice::snowflake
