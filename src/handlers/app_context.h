// What every handler needs, built once at start-up and shared read-only by all threads, plus the
// helpers handlers use to authenticate, read bodies and render domain objects as JSON.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include <boost/json/object.hpp>

#include "core/result.h"
#include "core/time.h"
#include "core/ttl_cache.h"
#include "core/types.h"
#include "crypto/crypto.h"
#include "http/message.h"
#include "http/outbound.h"
#include "ops/metrics.h"
#include "ops/rate_limiter.h"
#include "providers/catalog.h"
#include "store/store.h"

namespace connecthub {

struct AppSettings {
  std::string public_url = "http://127.0.0.1:8080";  // where browsers reach this server (no trailing '/')
  std::string hub_page_path = "/link";                // the hosted hub page
  int verify_timeout_ms = 8000;                       // credential check against the provider
  bool verify_allow_private = false;                  // let base_url overrides target loopback/private hosts
  bool emit_events = true;                            // write outbox events for webhooks
};

struct AppContext {
  Store& store;
  std::shared_ptr<const Catalog> catalog;
  const crypto::Keyring& keyring;
  const Clock& clock;
  AppSettings settings;
  http::OutboundClient& outbound;
  // Called after an account change commits, to deliver its webhook events promptly.
  std::function<void()> on_account_change = [] {};
  // Optional (null in some tests): metrics and rate limits.
  ops::Metrics* metrics = nullptr;
  ops::RateLimiter* api_key_limit = nullptr;  // per API key
  ops::RateLimiter* hub_token_limit = nullptr;  // per hub session token
  ops::RateLimiter* client_limit = nullptr;   // per client address, on browser-facing routes

  void Count(const std::string& name, const std::string& labels = "") const {
    if (metrics) metrics->Count(name, labels);
  }
  // kRateLimited (429 with Retry-After) when `limiter` refuses `key`.
  Status CheckRate(ops::RateLimiter* limiter, std::string_view key, std::string_view what) const;

  TimeMs Now() const { return clock.NowMs(); }

  // Hot-path caches (null: none). A revoked API key, or a change to a project's integrations, is
  // seen up to their ttl late (--auth-cache-ms, default 1 s; 0 turns them off).
  std::shared_ptr<TtlCache<Project>> api_key_cache{};  // API key hash -> its project
  using ProviderSet = std::shared_ptr<const std::set<std::string>>;
  std::shared_ptr<TtlCache<ProviderSet>> enabled_cache{};  // project id -> enabled provider keys
  // Integration id -> its provider key, for integrations whose provider has a check request. Not a
  // cached answer but a fact that never changes (an integration keeps its id and provider for good),
  // remembered so that the hub's hot path can tell at once that a completion needs the provider's
  // check request, and pass it on without first queueing it for the writer.
  std::shared_ptr<TtlCache<std::string>> integration_providers{};

  // The project of the request's Basic-auth API key; kUnauthenticated otherwise.
  Result<Project> AuthenticateApiKey(const http::Request& req) const { return *AuthenticateApiKey(req, true); }
  // The same; with `may_block` false, nullopt when the answer needs a database read (not cached), and
  // the per-key rate limit is not applied: a fast handler may still decline and pass the request to
  // the ordinary handler, which applies it. A fast handler that keeps the request calls ChargeApiKey.
  std::optional<Result<Project>> AuthenticateApiKey(const http::Request& req, bool may_block) const;
  // Applies the per-key rate limit to the request's API key (nothing to do without a valid header).
  Status ChargeApiKey(const http::Request& req) const;
  // The provider keys the project has enabled (and the catalog knows), cached; nullopt as above.
  std::optional<Result<ProviderSet>> EnabledProviders(const std::string& project_id, bool may_block) const;
  // The connect session of the request's x-hub-session-token, usable now; kUnauthenticated otherwise.
  Result<ConnectSession> AuthenticateHubToken(const http::Request& req) const;
  // The project's integrations that are enabled, by provider key.
  Result<std::map<std::string, Integration>> EnabledIntegrations(std::string_view project_id) const;

  // Encryption is bound to the row: the same credentials cannot be decrypted as another account's.
  std::string EncryptCredentials(const Account& a, std::string_view plaintext) const;
  Result<std::string> DecryptCredentials(const Account& a) const;

  // The outbox event for an account change (nullopt when no webhook endpoint could want it).
  std::optional<OutboxEvent> MakeEvent(std::string_view type, const Account& a) const;

  // JSON renderings (wire shapes of StackOne's API).
  // Built in `sp` (e.g. a monotonic resource for a whole response).
  boost::json::object SessionJson(const ConnectSession& s, boost::json::storage_ptr sp = {}) const;
  boost::json::object AccountJson(const Account& a, boost::json::storage_ptr sp = {}) const;
};

// Additional data bound into each credentials ciphertext: it cannot be decrypted as another row's.
std::string CredentialsAad(std::string_view project_id, std::string_view account_id);

// Requires a JSON content type (415 otherwise) and a JSON object body (400 otherwise).
Result<boost::json::object> ReadJsonBody(const http::Request& req);
// Parses a stored JSON object column (metadata) back to an object; {} if absent or malformed.
boost::json::value JsonOrNull(const std::optional<std::string>& text, boost::json::storage_ptr sp = {});

}  // namespace connecthub
