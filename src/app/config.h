// Server configuration: one struct, each field with its default. Set by flags, environment variables
// (CONNECTHUB_*) or a config file (--config, INI/TOML `key = value` lines named like the flags).
#pragma once

#include <string>

#include "core/result.h"
#include "crypto/crypto.h"

namespace connecthub {

struct Config {
  std::string listen = "127.0.0.1:8080";                    // --listen / CONNECTHUB_LISTEN
  std::string database_url = "sqlite:./data/connecthub.db";  // --database / CONNECTHUB_DATABASE_URL
  std::string public_url;                                   // --public-url / CONNECTHUB_PUBLIC_URL (default http://<listen>)
  std::string data_dir;                                     // --data-dir (default: the SQLite file's folder, else ./data)
  std::string catalog_file;                                 // --catalog: a providers.json to use instead of the bundled one
  bool production = false;                                  // --production / CONNECTHUB_ENV=production
  int io_threads = 0;                                       // --io-threads (0: one per core)
  int worker_threads = 32;                                  // --worker-threads (storage work)
  int outbound_threads = 32;                                // --outbound-threads (credential checks)
  size_t body_limit = 1 << 20;                              // --body-limit (bytes)
  int verify_timeout_ms = 8000;                             // --verify-timeout-ms
  int auth_cache_ms = 1000;                                 // --auth-cache-ms (0: off)
  bool verify_allow_private = false;                        // CONNECTHUB_VERIFY_ALLOW_PRIVATE=1 (tests, development)
  bool webhook_allow_private = false;                       // CONNECTHUB_WEBHOOK_ALLOW_PRIVATE=1 (tests, development)
  std::string webhook_retry_schedule;                       // CONNECTHUB_WEBHOOK_RETRY_SCHEDULE, e.g. "5s,30s" (default: 5s..8h)
  int webhook_timeout_ms = 10000;                           // --webhook-timeout-ms
  // Rate limits as "REQUESTS_PER_SECOND:BURST" per instance; CONNECTHUB_RATE_LIMITS=off disables all.
  std::string rate_limit_api_key = "100:200";               // --rate-limit-api-key, per API key
  std::string rate_limit_hub_token = "5:30";                // --rate-limit-hub-token, per hub session token
  std::string rate_limit_client = "20:60";                  // --rate-limit-client, per client address on /hub/* and /link
  bool rate_limits = true;                                  // CONNECTHUB_RATE_LIMITS=off
};

// Reads the switches that exist only as environment variables (see DESIGN section 9).
void ApplyEnvironment(Config& c);

// Parses "RPS:BURST" (or "off"/"0" to disable).
Result<std::pair<double, double>> ParseRateLimit(std::string_view text);

// The data folder a config implies.
std::string DataDir(const Config& c);

// Builds the credential keyring: CONNECTHUB_ENCRYPTION_KEY (64 hex or base64) as the current key plus
// CONNECTHUB_PREVIOUS_ENCRYPTION_KEYS (comma-separated) still accepted for reading. Without a key, a
// development run uses (creating if needed) <data dir>/encryption.key with mode 0600; a production
// run refuses to start. `note` receives a line for the log (never the key).
Status LoadKeyring(const Config& c, crypto::Keyring& ring, std::string& note);

}  // namespace connecthub
