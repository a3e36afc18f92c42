// The data.gouv.fr dataset API (GET /api/1/datasets/{id-or-slug}/): the dataset and its
// resources, and which resources this connector reads.
#pragma once

#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace sluice::datagouv {

struct Resource {
    std::string id;
    std::string title;
    std::string format;         // lower-case ("csv", "json", ...); from the URL when the API gives none
    std::string url;
    std::string last_modified;  // as the API gives it; empty when absent
    std::string checksum;       // "sha1:<hex>" etc.; empty when absent
};

struct Dataset {
    std::string id;  // the stable UUID (slugs can be renamed)
    std::string slug;
    std::string title;
    std::vector<Resource> resources;
};

// Parses the API answer. Throws std::runtime_error saying what is missing or malformed.
Dataset parse_dataset(const std::string& body);

struct ResourceFilter {
    std::vector<std::string> formats;  // lower-case; a resource must have one of them
    std::optional<std::regex> title;   // searched in the title, case-insensitively
    std::string title_pattern;         // for messages

    bool matches(const Resource& resource) const;
    std::string describe() const;
};

// Formats this connector can read.
bool readable_format(const std::string& format);

}  // namespace sluice::datagouv
