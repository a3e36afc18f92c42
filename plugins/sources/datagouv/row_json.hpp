// One CSV data record as a JSON object: header names as keys; a value of a numeric column
// as a JSON number ("3,5" -> 3.5), an empty value as null, anything else as a UTF-8 string
// exactly as in the file ("3,5%" stays "3,5%").
#pragma once

#include "csv_profile.hpp"

#include <optional>
#include <string>
#include <vector>

namespace sluice::datagouv {

// The JSON text of field `c` of `fields` under `profile`.
std::string csv_value_json(const CsvProfile& profile, const std::vector<std::string>& fields, std::size_t c);

std::string csv_row_json(const CsvProfile& profile, const std::vector<std::string>& fields);

// Which columns hold the configured key fields (names matched case-insensitively, so IDENT
// and ident are the same field); nullopt for a key field the file does not have.
std::vector<std::optional<std::size_t>> key_columns(const CsvProfile& profile, const std::vector<std::string>& key_fields);

// {"IDENT":"Z10BE","SENS_CIR":"Sens Entrant"}: the key fields under their configured names;
// a field the file does not have is null.
std::string csv_key_json(const CsvProfile& profile, const std::vector<std::string>& fields,
                         const std::vector<std::string>& key_fields,
                         const std::vector<std::optional<std::size_t>>& columns);

bool same_name_ignoring_case(std::string_view a, std::string_view b);

}  // namespace sluice::datagouv
