// libFuzzer target: a POST /connect_sessions body as the server reads it: json::ParseObject (strict
// JSON: depth, UTF-8, duplicate keys) then ParseSessionRequest (fields, types, bounds).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/connect_session.h"
#include "core/json_util.h"

using namespace connecthub;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto obj = json::ParseObject(body);
  if (!obj.ok()) {
    if (obj.error().message.empty()) std::abort();  // every refusal explains itself
    return 0;
  }
  auto req = ParseSessionRequest(*obj);
  if (!req.ok()) {
    if (req.error().code != ErrorCode::kInvalidArgument || req.error().message.empty()) std::abort();
    return 0;
  }
  // What ParseSessionRequest accepts must respect the bounds DESIGN.md section 4 promises.
  const SessionRequest& r = *req;
  if (r.origin_owner_id.empty() || r.origin_owner_name.empty()) std::abort();
  if (json::Utf8Length(r.origin_owner_id) > kMaxIdChars || json::Utf8Length(r.origin_owner_name) > kMaxIdChars) std::abort();
  if (r.label && json::Utf8Length(*r.label) > kMaxLabelChars) std::abort();
  if (r.metadata_json && r.metadata_json->size() > kMaxMetadataBytes) std::abort();
  if (r.expires_in < 1 || r.expires_in > kMaxExpiresIn) std::abort();
  if (r.account_id && r.account_id->empty()) std::abort();
  for (const auto& s : {r.origin_owner_id, r.origin_owner_name}) {
    if (s.find('\0') != std::string::npos) std::abort();
  }
  // The stored metadata must read back as a JSON object.
  if (r.metadata_json) {
    auto again = json::ParseObject(*r.metadata_json);
    if (!again.ok()) std::abort();
  }
  Project p;
  p.id = "prj_fuzz";
  p.organization_id = 1;
  ConnectSession s = MakeSession(r, p, "hash", 1'700'000'000'000);
  if (s.expires_at <= s.created_at) std::abort();
  if (!CheckSessionUsable(s, s.created_at).ok()) std::abort();
  if (CheckSessionUsable(s, s.expires_at).ok()) std::abort();
  return 0;
}
