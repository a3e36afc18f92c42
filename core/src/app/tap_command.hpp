// `sluice tap CONNECTOR`: the connector's live records (GET /connectors/{name}/tap) from a
// running worker, one JSON object per line on standard output, like `vector tap`; losses
// ("N records dropped") on standard error.
//   --url URL          the worker's REST API (default $SLUICE_REST_URL or http://127.0.0.1:8083)
//   --sample S         fraction of the records (0 < S <= 1, default 1)
//   --max-rate N       records per second at most (default 100)
//   --limit N          stop after N records (default: until interrupted)
//   --cacert FILE      PEM authorities for an https URL (default: the system's)
// Credentials from the environment, never the command line: SLUICE_REST_TOKEN (bearer), or
// SLUICE_REST_USER and SLUICE_REST_PASSWORD (basic).
#pragma once

#include <string>
#include <vector>

namespace sluice::app {

int tap_command(const std::vector<std::string>& args);

}  // namespace sluice::app
