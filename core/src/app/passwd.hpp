// `sluice passwd [--role viewer|admin] [--file USERS_FILE] [--iterations N] USER`: writes the
// users-file line of USER (name:role:$pbkdf2-sha256$...) for rest.auth basic, the password
// read from standard input (asked twice without echo on a terminal). With --file the line
// replaces USER's line in that file, or is added (the file is written whole, mode 0600);
// without it the line is printed.
#pragma once

#include <string>
#include <vector>

namespace sluice::app {

int passwd_command(const std::vector<std::string>& args);

}  // namespace sluice::app
