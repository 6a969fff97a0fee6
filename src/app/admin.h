// Admin operations behind the CLI. Each returns the JSON the CLI prints with --json.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "core/result.h"
#include "core/time.h"
#include "crypto/crypto.h"
#include "providers/catalog.h"
#include "store/store.h"

namespace connecthub::admin {

// A new organization, project and first API key: {organization_id, project_id, name, api_key}.
Result<boost::json::object> CreateProject(Store& store, std::string_view name, std::optional<int64_t> organization_id,
                                          TimeMs now);
Result<boost::json::array> ListProjects(Store& store);
Result<boost::json::object> CreateApiKey(Store& store, std::string_view project_id, TimeMs now);
Result<boost::json::object> RevokeApiKey(Store& store, std::string_view project_id, std::string_view key_id, TimeMs now);
Result<boost::json::array> ListApiKeys(Store& store, std::string_view project_id);
// enable/disable; `settings` are "key=value" strings (known keys: base_url).
Result<boost::json::object> SetIntegration(Store& store, const Catalog& catalog, std::string_view project_id,
                                           std::string_view provider, bool enabled,
                                           const std::vector<std::string>& settings, TimeMs now);
Result<boost::json::array> ListIntegrations(Store& store, std::string_view project_id);
Result<boost::json::object> SetAllowedOrigins(Store& store, std::string_view project_id,
                                              const std::vector<std::string>& origins);

// Webhook endpoints. `add` returns {id, url, events, secret}; the secret is shown only there and by
// rotate-secret.
Result<boost::json::object> AddWebhook(Store& store, const crypto::Keyring& ring, std::string_view project_id,
                                       std::string_view url, std::string_view events_csv, bool allow_private, TimeMs now);
Result<boost::json::array> ListWebhooks(Store& store, std::string_view project_id);
Result<boost::json::object> RemoveWebhook(Store& store, std::string_view project_id, std::string_view id);
Result<boost::json::object> RotateWebhookSecret(Store& store, const crypto::Keyring& ring, std::string_view project_id,
                                                std::string_view id, int grace_hours, TimeMs now);
Result<boost::json::array> ListDeliveries(Store& store, std::string_view project_id, std::string_view id, int limit);

// Re-encrypts every account's credentials and every webhook secret with the keyring's current key,
// one row at a time with compare-and-swap, so it can run while servers serve (they must already have
// the new key as current and the old one in CONNECTHUB_PREVIOUS_ENCRYPTION_KEYS).
Result<boost::json::object> RotateKeys(Store& store, const crypto::Keyring& ring);

}  // namespace connecthub::admin
