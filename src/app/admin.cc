#include "app/admin.h"

#include <algorithm>

#include <boost/json.hpp>

#include "core/origin.h"
#include "crypto/crypto.h"
#include "handlers/app_context.h"
#include "webhooks/endpoints.h"
#include "webhooks/signing.h"

namespace connecthub::admin {
namespace bj = boost::json;

namespace {
// Settings an integration understands; anything else is a typo.
const std::map<std::string, std::string> kIntegrationSettings = {
    {"base_url", "replaces the provider's API base URL for credential checks (e.g. a regional host or a test server)"},
};

Result<Project> RequireProject(Store& store, std::string_view id) {
  auto p = store.FindProject(id);
  if (!p.ok() && p.code() == ErrorCode::kNotFound) return NotFound("no project with id '" + std::string(id) + "'");
  return p;
}

bj::object IntegrationJson(const Integration& i) {
  bj::object settings;
  for (const auto& [k, v] : i.settings) settings[k] = v;
  return bj::object{{"integration_id", i.id}, {"provider", i.provider}, {"enabled", i.enabled},
                    {"settings", std::move(settings)}, {"updated_at", FormatIso(i.updated_at)}};
}
}  // namespace

Result<bj::object> CreateApiKey(Store& store, std::string_view project_id, TimeMs now) {
  CH_TRY(Project p, RequireProject(store, project_id));
  std::string secret = crypto::RandomToken("sk_");
  ApiKey k;
  k.id = crypto::RandomId("key_", 16);
  k.project_id = p.id;
  k.hash = crypto::TokenHash(secret);
  k.prefix = secret.substr(0, 8);
  k.created_at = now;
  CH_TRY_STATUS(store.CreateApiKey(k));
  return bj::object{{"id", k.id}, {"project_id", p.id}, {"api_key", secret}, {"prefix", k.prefix},
                    {"created_at", FormatIso(now)}};
}

Result<bj::object> CreateProject(Store& store, std::string_view name, std::optional<int64_t> organization_id, TimeMs now) {
  if (name.empty() || name.size() > 255) return InvalidArgument("--name must be 1 to 255 characters");
  int64_t org_id = 0;
  if (organization_id) {
    org_id = *organization_id;
  } else {
    CH_TRY(Organization org, store.CreateOrganization(name, now));
    org_id = org.id;
  }
  Project p;
  p.id = crypto::RandomId("prj_", 16);
  p.organization_id = org_id;
  p.name = std::string(name);
  p.created_at = now;
  CH_TRY(Project created, store.CreateProject(p));
  CH_TRY(bj::object key, CreateApiKey(store, created.id, now));
  return bj::object{{"organization_id", created.organization_id}, {"project_id", created.id}, {"name", created.name},
                    {"api_key", key["api_key"]}, {"api_key_id", key["id"]}};
}

Result<bj::array> ListProjects(Store& store) {
  CH_TRY(auto projects, store.ListProjects());
  bj::array out;
  for (const auto& p : projects) {
    bj::array origins;
    for (const auto& o : p.allowed_origins) origins.emplace_back(o);
    out.push_back(bj::object{{"organization_id", p.organization_id}, {"project_id", p.id}, {"name", p.name},
                             {"allowed_origins", std::move(origins)}, {"created_at", FormatIso(p.created_at)}});
  }
  return out;
}

Result<bj::object> RevokeApiKey(Store& store, std::string_view project_id, std::string_view key_id, TimeMs now) {
  CH_TRY_STATUS(store.RevokeApiKey(project_id, key_id, now));
  return bj::object{{"id", key_id}, {"project_id", project_id}, {"revoked_at", FormatIso(now)}};
}

Result<bj::array> ListApiKeys(Store& store, std::string_view project_id) {
  CH_TRY(Project p, RequireProject(store, project_id));
  CH_TRY(auto keys, store.ListApiKeys(p.id));
  bj::array out;
  for (const auto& k : keys) {
    out.push_back(bj::object{{"id", k.id}, {"prefix", k.prefix}, {"created_at", FormatIso(k.created_at)},
                             {"revoked_at", k.revoked_at ? bj::value(FormatIso(*k.revoked_at)) : bj::value(nullptr)}});
  }
  return out;
}

Result<bj::object> SetIntegration(Store& store, const Catalog& catalog, std::string_view project_id,
                                  std::string_view provider, bool enabled, const std::vector<std::string>& settings,
                                  TimeMs now) {
  CH_TRY(Project p, RequireProject(store, project_id));
  if (!catalog.Find(provider)) return NotFound("provider '" + std::string(provider) + "' is not in the catalog");
  Integration i;
  CH_TRY(auto existing, store.ListIntegrations(p.id));
  for (const auto& e : existing)
    if (e.provider == provider) i = e;
  if (i.id.empty()) {
    i.id = crypto::RandomId("int_", 16);
    i.created_at = now;
  }
  i.project_id = p.id;
  i.provider = std::string(provider);
  i.enabled = enabled;
  i.updated_at = now;
  for (const auto& kv : settings) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) return InvalidArgument("--set takes key=value, got '" + kv + "'");
    std::string key = kv.substr(0, eq), value = kv.substr(eq + 1);
    if (!kIntegrationSettings.count(key)) return InvalidArgument("unknown integration setting '" + key + "' (known: base_url)");
    if (key == "base_url" && !value.empty() && value.rfind("https://", 0) != 0 && value.rfind("http://", 0) != 0) {
      return InvalidArgument("base_url must start with https:// or http://");
    }
    if (value.empty()) i.settings.erase(key);
    else i.settings[key] = value;
  }
  CH_TRY(Integration saved, store.PutIntegration(i));
  return IntegrationJson(saved);
}

Result<bj::array> ListIntegrations(Store& store, std::string_view project_id) {
  CH_TRY(Project p, RequireProject(store, project_id));
  CH_TRY(auto list, store.ListIntegrations(p.id));
  bj::array out;
  for (const auto& i : list) out.push_back(IntegrationJson(i));
  return out;
}

Result<bj::object> SetAllowedOrigins(Store& store, std::string_view project_id, const std::vector<std::string>& origins) {
  CH_TRY(Project p, RequireProject(store, project_id));
  std::vector<std::string> normalized;
  for (const auto& o : origins) {
    CH_TRY(std::string n, NormalizeOrigin(o));
    if (std::find(normalized.begin(), normalized.end(), n) == normalized.end()) normalized.push_back(std::move(n));
  }
  if (normalized.size() > 32) return InvalidArgument("at most 32 allowed origins per project");
  CH_TRY_STATUS(store.SetAllowedOrigins(p.id, normalized));
  bj::array arr;
  for (const auto& o : normalized) arr.emplace_back(o);
  return bj::object{{"project_id", p.id}, {"allowed_origins", std::move(arr)}};
}

namespace {
bj::object WebhookJson(const WebhookEndpoint& w) {
  bj::array events;
  for (const auto& e : w.events) events.emplace_back(e);
  return bj::object{{"id", w.id}, {"project_id", w.project_id}, {"url", w.url}, {"events", std::move(events)},
                    {"created_at", FormatIso(w.created_at)},
                    {"previous_secret_expires_at",
                     w.previous_secret_expires_at ? bj::value(FormatIso(*w.previous_secret_expires_at)) : bj::value(nullptr)}};
}

Result<WebhookEndpoint> RequireWebhook(Store& store, std::string_view project_id, std::string_view id) {
  CH_TRY(auto list, store.ListWebhooks(project_id));
  for (auto& w : list)
    if (w.id == id) return std::move(w);
  return NotFound("no webhook endpoint '" + std::string(id) + "' in project " + std::string(project_id));
}
}  // namespace

Result<bj::object> AddWebhook(Store& store, const crypto::Keyring& ring, std::string_view project_id, std::string_view url,
                              std::string_view events_csv, bool allow_private, TimeMs now) {
  CH_TRY(Project p, RequireProject(store, project_id));
  CH_TRY_STATUS(webhooks::ValidateUrl(url, allow_private));
  CH_TRY(auto events, webhooks::ParseEvents(events_csv));
  WebhookEndpoint w;
  w.id = crypto::RandomId("whk_", 16);
  w.project_id = p.id;
  w.url = std::string(url);
  w.events = events;
  w.created_at = now;
  std::string secret = webhooks::NewSecret();
  w.secret_ciphertext = webhooks::EncryptSecret(ring, w.id, secret);
  CH_TRY_STATUS(store.CreateWebhook(w));
  bj::object out = WebhookJson(w);
  out["secret"] = secret;
  crypto::Wipe(secret);
  return out;
}

Result<bj::array> ListWebhooks(Store& store, std::string_view project_id) {
  CH_TRY(Project p, RequireProject(store, project_id));
  CH_TRY(auto list, store.ListWebhooks(p.id));
  bj::array out;
  for (const auto& w : list) out.push_back(WebhookJson(w));
  return out;
}

Result<bj::object> RemoveWebhook(Store& store, std::string_view project_id, std::string_view id) {
  CH_TRY_STATUS(store.DeleteWebhook(project_id, id));
  return bj::object{{"id", id}, {"removed", true}};
}

Result<bj::object> RotateWebhookSecret(Store& store, const crypto::Keyring& ring, std::string_view project_id,
                                       std::string_view id, int grace_hours, TimeMs now) {
  CH_TRY(WebhookEndpoint w, RequireWebhook(store, project_id, id));
  std::string secret = webhooks::NewSecret();
  const std::string ct = webhooks::EncryptSecret(ring, w.id, secret);
  const TimeMs until = now + static_cast<TimeMs>(grace_hours) * 3600 * 1000;
  CH_TRY_STATUS(store.UpdateWebhookSecrets(project_id, id, ct, w.secret_ciphertext, until));
  w.previous_secret_expires_at = until;
  bj::object out = WebhookJson(w);
  out["secret"] = secret;
  crypto::Wipe(secret);
  return out;
}

Result<bj::array> ListDeliveries(Store& store, std::string_view project_id, std::string_view id, int limit) {
  CH_TRY(WebhookEndpoint w, RequireWebhook(store, project_id, id));
  CH_TRY(auto list, store.ListDeliveries(project_id, w.id, limit));
  bj::array out;
  for (const auto& d : list) {
    out.push_back(bj::object{{"id", d.id},
                             {"message_id", d.message_id},
                             {"event", d.event_type},
                             {"account_id", d.account_id},
                             {"status", DeliveryStatusName(d.status)},
                             {"attempts", d.attempts},
                             {"last_status", d.last_status ? bj::value(*d.last_status) : bj::value(nullptr)},
                             {"last_error", d.last_error ? bj::value(*d.last_error) : bj::value(nullptr)},
                             {"next_retry_at", d.status == DeliveryStatus::kPending ? bj::value(FormatIso(d.next_attempt_at)) : bj::value(nullptr)},
                             {"created_at", FormatIso(d.created_at)},
                             {"updated_at", FormatIso(d.updated_at)}});
  }
  return out;
}

Result<bj::object> RotateKeys(Store& store, const crypto::Keyring& ring) {
  int64_t reencrypted = 0, current = 0, raced = 0, after = 0;
  for (;;) {
    CH_TRY(auto batch, store.ScanAccounts(after, 500));
    if (batch.empty()) break;
    for (const auto& a : batch) {
      after = a.seq;
      if (crypto::Keyring::KeyIdOf(a.credentials_ciphertext) == ring.current_id()) {
        ++current;
        continue;
      }
      const std::string aad = CredentialsAad(a.project_id, a.id);
      CH_TRY(std::string plain, ring.Decrypt(a.credentials_ciphertext, aad));
      const std::string next = ring.Encrypt(plain, aad);
      crypto::Wipe(plain);
      CH_TRY(bool swapped, store.ReplaceCiphertext(a.id, a.credentials_ciphertext, next));
      // Lost the race: a server re-linked or deleted the account meanwhile, writing with the current key.
      swapped ? ++reencrypted : ++raced;
    }
  }
  int64_t secrets = 0;
  CH_TRY(auto projects, store.ListProjects());
  for (const auto& p : projects) {
    CH_TRY(auto hooks, store.ListWebhooks(p.id));
    for (const auto& w : hooks) {
      const bool stale = crypto::Keyring::KeyIdOf(w.secret_ciphertext) != ring.current_id() ||
                         (w.previous_secret_ciphertext &&
                          crypto::Keyring::KeyIdOf(*w.previous_secret_ciphertext) != ring.current_id());
      if (!stale) continue;
      const std::string aad = "connecthub/webhook-secret/v1/" + w.id;
      CH_TRY(std::string secret, ring.Decrypt(w.secret_ciphertext, aad));
      std::optional<std::string> prev;
      if (w.previous_secret_ciphertext) {
        CH_TRY(std::string old, ring.Decrypt(*w.previous_secret_ciphertext, aad));
        prev = ring.Encrypt(old, aad);
        crypto::Wipe(old);
      }
      CH_TRY_STATUS(store.UpdateWebhookSecrets(p.id, w.id, ring.Encrypt(secret, aad), prev, w.previous_secret_expires_at));
      crypto::Wipe(secret);
      ++secrets;
    }
  }
  return bj::object{{"current_key_id", ring.current_id()},
                    {"accounts_reencrypted", reencrypted},
                    {"accounts_already_current", current},
                    {"accounts_changed_meanwhile", raced},
                    {"webhook_secrets_reencrypted", secrets}};
}

}  // namespace connecthub::admin
