#include "core/connect_session.h"

#include <algorithm>
#include <array>

#include "core/categories.h"
#include "core/json_util.h"

namespace connecthub {
namespace bj = boost::json;

namespace {
constexpr std::array<std::string_view, 12> kKnownFields = {
    "origin_owner_id", "origin_owner_name", "origin_username", "provider", "categories", "category",
    "account_id",      "label",             "multiple",        "metadata", "expires_in", "type"};
// Documented by StackOne, accepted so newer SDKs keep working, not acted on yet.
constexpr std::array<std::string_view, 6> kIgnoredFields = {"provider_version", "integration_id", "connector_profile_id",
                                                            "shared",           "relink",         "scopes"};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& a, std::string_view s) {
  return std::find(a.begin(), a.end(), s) != a.end();
}

Result<std::vector<std::string>> ParseCategories(const bj::object& body) {
  std::vector<std::string> out;
  auto add = [&](const bj::value& v, std::string_view field) -> Status {
    if (!v.is_string()) return InvalidArgument(std::string(field) + " must contain only strings");
    std::string c(v.get_string());
    if (!IsKnownCategory(c)) {
      std::string list;
      for (auto k : kCategories) list += (list.empty() ? "" : ", ") + std::string(k);
      return InvalidArgument(std::string(field) + " has an unknown category '" + c.substr(0, 64) +
                             "'; known categories: " + list);
    }
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(std::move(c));
    return OkStatus();
  };
  if (auto it = body.find("categories"); it != body.end() && !it->value().is_null()) {
    if (!it->value().is_array()) return InvalidArgument("categories must be an array of strings");
    const auto& arr = it->value().get_array();
    if (arr.size() > kCategories.size() * 2) return InvalidArgument("categories has too many entries");
    for (const auto& v : arr) CH_TRY_STATUS(add(v, "categories"));
  }
  // The founding guide's single `category` string is a one-element `categories`.
  if (auto it = body.find("category"); it != body.end() && !it->value().is_null()) {
    CH_TRY_STATUS(add(it->value(), "category"));
  }
  return out;
}
}  // namespace

Result<SessionRequest> ParseSessionRequest(const bj::object& body) {
  for (const auto& kv : body) {
    std::string_view k(kv.key().data(), kv.key().size());
    if (!Contains(kKnownFields, k) && !Contains(kIgnoredFields, k)) {
      std::string shown(k.substr(0, 64));
      return InvalidArgument("Unknown field '" + shown + "' in connect session request");
    }
  }
  SessionRequest r;
  CH_TRY(r.origin_owner_id, json::ReqString(body, "origin_owner_id", kMaxIdChars));
  CH_TRY(r.origin_owner_name, json::ReqString(body, "origin_owner_name", kMaxIdChars));
  CH_TRY(r.origin_username, json::OptString(body, "origin_username", kMaxIdChars));
  CH_TRY(r.provider, json::OptString(body, "provider", kMaxIdChars));
  if (r.provider && r.provider->empty()) r.provider.reset();  // "" = no provider, like null
  CH_TRY(r.categories, ParseCategories(body));
  CH_TRY(r.account_id, json::OptString(body, "account_id", kMaxIdChars));
  if (r.account_id && r.account_id->empty()) return InvalidArgument("account_id must not be empty");
  CH_TRY(r.label, json::OptString(body, "label", kMaxLabelChars));
  CH_TRY(auto multiple, json::OptBool(body, "multiple"));
  r.multiple = multiple.value_or(false);
  CH_TRY(r.metadata_json, json::OptObjectJson(body, "metadata", kMaxMetadataBytes));
  CH_TRY(auto expires_in, json::OptInt(body, "expires_in"));
  if (expires_in) {
    if (*expires_in < 1 || *expires_in > kMaxExpiresIn) {
      return InvalidArgument("expires_in must be between 1 and " + std::to_string(kMaxExpiresIn) + " seconds");
    }
    r.expires_in = *expires_in;
  }
  CH_TRY(auto type, json::OptString(body, "type", 32));
  if (type) {
    if (*type == "production") r.type = AccountType::kProduction;
    else if (*type == "test") r.type = AccountType::kTest;
    else return InvalidArgument("type must be 'production' or 'test'");
  }
  return r;
}

ConnectSession MakeSession(const SessionRequest& req, const Project& project, std::string token_hash, TimeMs now) {
  ConnectSession s;
  s.project_id = project.id;
  s.organization_id = project.organization_id;
  s.origin_owner_id = req.origin_owner_id;
  s.origin_owner_name = req.origin_owner_name;
  s.origin_username = req.origin_username;
  s.provider = req.provider;
  s.categories = req.categories;
  s.account_id = req.account_id;
  s.label = req.label;
  s.multiple = req.multiple;
  s.metadata_json = req.metadata_json;
  s.type = req.type;
  s.token_hash = std::move(token_hash);
  s.created_at = now;
  s.expires_at = now + req.expires_in * 1000;
  return s;
}

Status CheckSessionUsable(const ConnectSession& s, TimeMs now) {
  if (s.spent_at) return Unauthenticated("This link has already been used. Ask for a new one.");
  if (now >= s.expires_at) return Unauthenticated("This link has expired. Ask for a new one.");
  return OkStatus();
}

}  // namespace connecthub
