// Connect sessions: validating a create request and the rules of a session's life (expiry, spending).
// Pure functions; the handler supplies the project, the catalog check and the store.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "core/result.h"
#include "core/types.h"

namespace connecthub {

inline constexpr int64_t kDefaultExpiresIn = 1800;           // seconds (StackOne's SDK default)
inline constexpr int64_t kMaxExpiresIn = 30LL * 24 * 3600;   // 30 days, like StackOne's auth links
inline constexpr size_t kMaxIdChars = 255;                   // origin ids, names, username, provider, account id
inline constexpr size_t kMaxLabelChars = 1024;
inline constexpr size_t kMaxMetadataBytes = 16 * 1024;

// A validated POST /connect_sessions body.
struct SessionRequest {
  std::string origin_owner_id;
  std::string origin_owner_name;
  std::optional<std::string> origin_username;
  std::optional<std::string> provider;
  std::vector<std::string> categories;
  std::optional<std::string> account_id;
  std::optional<std::string> label;
  bool multiple = false;
  std::optional<std::string> metadata_json;
  int64_t expires_in = kDefaultExpiresIn;
  AccountType type = AccountType::kProduction;
};

// Checks every field's presence, type, bound and enum; unknown top-level fields are refused
// (usually a typo) except those StackOne documents that we accept and ignore.
Result<SessionRequest> ParseSessionRequest(const boost::json::object& body);

// Builds the session row to store. `token_hash` is the hash of the freshly issued token.
ConnectSession MakeSession(const SessionRequest& req, const Project& project, std::string token_hash, TimeMs now);

// A token may complete an account only while it is unexpired and unspent.
Status CheckSessionUsable(const ConnectSession& s, TimeMs now);

}  // namespace connecthub
