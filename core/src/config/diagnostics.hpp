// Configuration errors, collected all at once, each naming file:line:col and the key.
#pragma once

#include <string>
#include <vector>

namespace sluice::config {

struct Location {
    std::string file;
    int line = 0;    // 1-based; 0 when unknown
    int column = 0;  // 1-based
};

struct Diagnostic {
    Location where;
    std::string key;      // dotted path, e.g. "source.config.rate"; may be empty
    std::string message;  // what was expected, what was found

    std::string format() const;  // "file:line:col: key: message"
};

class Diagnostics {
public:
    void add(Location where, std::string key, std::string message);
    bool empty() const { return items_.empty(); }
    size_t size() const { return items_.size(); }
    const std::vector<Diagnostic>& items() const { return items_; }
    void append(const Diagnostics& other);
    std::string format() const;  // one line per diagnostic, in file order

private:
    std::vector<Diagnostic> items_;
};

}  // namespace sluice::config
