#include "store/store.h"

#include <boost/json.hpp>

#include "core/json_util.h"
#include "store/sqlite/sqlite_store.h"
#ifdef CONNECTHUB_WITH_POSTGRES
#include "store/postgres/pg_store.h"
#endif

namespace connecthub {
namespace bj = boost::json;

Result<std::unique_ptr<Store>> OpenStore(std::string_view url) {
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
#ifdef CONNECTHUB_WITH_POSTGRES
    return OpenPostgresStore(url);
#else
    return InvalidArgument("this build has no PostgreSQL support");
#endif
  }
  std::string_view path = url;
  if (path.rfind("sqlite:", 0) == 0) path.remove_prefix(7);
  if (path.rfind("//", 0) == 0) path.remove_prefix(2);
  if (path.empty()) return InvalidArgument("database URL has an empty path");
  return OpenSqliteStore(std::string(path));
}

std::string EncodeStringList(const std::vector<std::string>& v) {
  bj::array a;
  for (const auto& s : v) a.emplace_back(s);
  return bj::serialize(a);
}

std::vector<std::string> DecodeStringList(std::string_view text) {
  std::vector<std::string> out;
  bj::error_code ec;
  auto v = bj::parse(bj::string_view(text.data(), text.size()), ec);
  if (ec || !v.is_array()) return out;
  for (const auto& e : v.get_array())
    if (e.is_string()) out.emplace_back(e.get_string());
  return out;
}

std::string EncodeStringMap(const std::map<std::string, std::string>& m) {
  bj::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return bj::serialize(o);
}

std::map<std::string, std::string> DecodeStringMap(std::string_view text) {
  std::map<std::string, std::string> out;
  bj::error_code ec;
  auto v = bj::parse(bj::string_view(text.data(), text.size()), ec);
  if (ec || !v.is_object()) return out;
  for (const auto& kv : v.get_object())
    if (kv.value().is_string()) out[std::string(kv.key())] = std::string(kv.value().get_string());
  return out;
}

std::string EncodeStatusReasons(const std::vector<StatusReason>& v) {
  bj::array a;
  for (const auto& r : v) a.push_back(bj::object{{"code", r.code}, {"description", r.description}, {"timestamp", r.timestamp}});
  return bj::serialize(a);
}

std::vector<StatusReason> DecodeStatusReasons(std::string_view text) {
  std::vector<StatusReason> out;
  bj::error_code ec;
  auto v = bj::parse(bj::string_view(text.data(), text.size()), ec);
  if (ec || !v.is_array()) return out;
  for (const auto& e : v.get_array()) {
    if (!e.is_object()) continue;
    const auto& o = e.get_object();
    StatusReason r;
    if (auto* c = o.if_contains("code"); c && c->is_string()) r.code = std::string(c->get_string());
    if (auto* d = o.if_contains("description"); d && d->is_string()) r.description = std::string(d->get_string());
    if (auto* t = o.if_contains("timestamp"); t && t->is_int64()) r.timestamp = t->get_int64();
    out.push_back(std::move(r));
  }
  return out;
}

const char* DeliveryStatusName(DeliveryStatus s) {
  switch (s) {
    case DeliveryStatus::kPending: return "pending";
    case DeliveryStatus::kDelivered: return "delivered";
    case DeliveryStatus::kFailed: return "failed";
  }
  return "pending";
}

bool KeyConflicts(const Account& updated, const std::vector<Account>& others) {
  for (const auto& o : others) {
    if (o.id == updated.id) continue;
    if (o.origin_owner_id == updated.origin_owner_id && o.origin_owner_name == updated.origin_owner_name &&
        o.provider == updated.provider && !(o.multiple && updated.multiple)) {
      return true;
    }
  }
  return false;
}

}  // namespace connecthub
