// Domain objects shared by core, stores and handlers. Plain data: no I/O, no JSON, no SQL.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"

namespace connecthub {

struct Organization {
  int64_t id = 0;
  std::string name;
  TimeMs created_at = 0;
};

struct Project {
  std::string id;  // "prj_..."
  int64_t organization_id = 0;
  std::string name;
  // Origins allowed to frame the hub page and use connect.js (CSP frame-ancestors). Empty: any.
  std::vector<std::string> allowed_origins;
  TimeMs created_at = 0;
};

struct ApiKey {
  std::string id;  // "key_..."
  std::string project_id;
  std::string hash;    // TokenHash of the secret; the secret itself is never stored
  std::string prefix;  // first characters of the secret, to recognise it in a list
  TimeMs created_at = 0;
  std::optional<TimeMs> revoked_at;
};

// A provider enabled (or disabled) in a project.
struct Integration {
  std::string id;  // "int_..."
  std::string project_id;
  std::string provider;
  bool enabled = false;
  std::map<std::string, std::string> settings;  // e.g. base_url
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
};

enum class AccountType { kProduction, kTest };
const char* AccountTypeName(AccountType t);

struct ConnectSession {
  int64_t id = 0;
  std::string project_id;
  int64_t organization_id = 0;
  std::string origin_owner_id;
  std::string origin_owner_name;
  std::optional<std::string> origin_username;
  std::optional<std::string> provider;
  std::vector<std::string> categories;  // empty = none given
  std::optional<std::string> account_id;
  std::optional<std::string> label;
  bool multiple = false;
  std::optional<std::string> metadata_json;  // serialized JSON object
  AccountType type = AccountType::kProduction;
  std::string token_hash;
  TimeMs created_at = 0;
  TimeMs expires_at = 0;
  std::optional<TimeMs> spent_at;
  std::optional<std::string> completed_account_id;  // set when spent
};

struct StatusReason {
  std::string code;
  std::string description;
  TimeMs timestamp = 0;
};

enum class AccountStatus { kActive, kInactive, kError };
const char* AccountStatusName(AccountStatus s);
std::optional<AccountStatus> ParseAccountStatus(std::string_view s);

struct Account {
  std::string id;  // "acc_..."
  std::string project_id;
  std::string provider;
  std::string integration_id;
  std::string origin_owner_id;
  std::string origin_owner_name;
  std::optional<std::string> origin_username;
  std::optional<std::string> label;
  std::optional<std::string> metadata_json;
  AccountType type = AccountType::kProduction;
  AccountStatus status = AccountStatus::kActive;
  std::vector<StatusReason> status_reasons;
  bool multiple = false;  // created by a session with multiple=true
  // Encrypted credentials (crypto::SecretBox format). Never leaves the server.
  std::string credentials_ciphertext;
  int64_t seq = 0;  // creation order; assigned by the store
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
};

}  // namespace connecthub
