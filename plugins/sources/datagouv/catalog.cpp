#include "catalog.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace sluice::datagouv {
namespace {

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string string_member(const nlohmann::json& object, const char* name) {
    auto it = object.find(name);
    if (it == object.end() || !it->is_string()) return "";
    return it->get<std::string>();
}

// "https://host/path/file.CSV?x=1" -> "csv"
std::string extension_of(const std::string& url) {
    std::string path = url.substr(0, url.find_first_of("?#"));
    auto slash = path.rfind('/');
    auto dot = path.rfind('.');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
    return lower(path.substr(dot + 1));
}

}  // namespace

Dataset parse_dataset(const std::string& body) {
    nlohmann::json root = nlohmann::json::parse(body, nullptr, false);
    if (root.is_discarded()) throw std::runtime_error("the dataset answer is not JSON");
    if (!root.is_object()) throw std::runtime_error("the dataset answer is not a JSON object");
    auto resources = root.find("resources");
    if (resources == root.end() || !resources->is_array())
        throw std::runtime_error("the dataset answer has no \"resources\" array");
    Dataset dataset;
    dataset.id = string_member(root, "id");
    dataset.slug = string_member(root, "slug");
    dataset.title = string_member(root, "title");
    for (std::size_t i = 0; i < resources->size(); ++i) {
        const auto& r = (*resources)[i];
        if (!r.is_object()) throw std::runtime_error("resources[" + std::to_string(i) + "] is not an object");
        Resource resource;
        resource.id = string_member(r, "id");
        resource.title = string_member(r, "title");
        resource.url = string_member(r, "url");
        if (resource.url.empty()) resource.url = string_member(r, "latest");
        if (resource.id.empty() || resource.url.empty())
            throw std::runtime_error("resources[" + std::to_string(i) + "] has no \"id\" or no \"url\"");
        resource.format = lower(string_member(r, "format"));
        if (resource.format.empty()) resource.format = extension_of(resource.url);
        resource.last_modified = string_member(r, "last_modified");
        auto checksum = r.find("checksum");
        if (checksum != r.end() && checksum->is_object()) {
            std::string type = string_member(*checksum, "type");
            std::string value = string_member(*checksum, "value");
            if (!value.empty()) resource.checksum = (type.empty() ? "checksum" : type) + ":" + value;
        }
        dataset.resources.push_back(std::move(resource));
    }
    return dataset;
}

bool ResourceFilter::matches(const Resource& resource) const {
    if (std::find(formats.begin(), formats.end(), resource.format) == formats.end()) return false;
    if (title && !std::regex_search(resource.title, *title)) return false;
    return true;
}

std::string ResourceFilter::describe() const {
    std::string text = "format in [";
    for (std::size_t i = 0; i < formats.size(); ++i) text += (i ? ", " : "") + formats[i];
    text += "]";
    if (title) text += " and title matching /" + title_pattern + "/";
    return text;
}

bool readable_format(const std::string& format) { return format == "csv" || format == "json"; }

}  // namespace sluice::datagouv
