// The API calls: request bodies and paths in, typed results or typed errors out. HTTP is in
// transport.cc; this file only knows the wire format (README "Endpoints", StackOne's SDK shapes).
#include "connecthub/client.h"

#include <boost/json.hpp>

#include "transport.h"

namespace connecthub::client {

namespace bj = boost::json;
using detail::HttpResponse;
using detail::Transport;

// ---------------------------------------------------------------------------------------------
// Error

bool Error::IsRetryable() const {
  switch (kind) {
    case ErrorKind::kTimeout:
    case ErrorKind::kNetwork: return true;
    case ErrorKind::kApi: return status == 408 || status == 429 || status == 502 || status == 503 || status == 504;
    default: return false;
  }
}

std::string Error::ToString() const {
  switch (kind) {
    case ErrorKind::kApi: return "connecthub: " + std::to_string(status) + " " + message;
    case ErrorKind::kTimeout: return "connecthub: timeout: " + message;
    case ErrorKind::kNetwork: return "connecthub: network error: " + message;
    case ErrorKind::kBadResponse:
      return "connecthub: bad response" + (status ? " (" + std::to_string(status) + ")" : std::string()) + ": " + message;
    case ErrorKind::kInvalidArgument: return "connecthub: invalid argument: " + message;
  }
  return "connecthub: " + message;
}

namespace {

Error MakeError(ErrorKind kind, std::string message, int status = 0) {
  Error e;
  e.kind = kind;
  e.status = status;
  e.message = std::move(message);
  return e;
}

Error BadResponse(std::string message, int status = 0) { return MakeError(ErrorKind::kBadResponse, std::move(message), status); }
Error InvalidArgument(std::string message) { return MakeError(ErrorKind::kInvalidArgument, std::move(message)); }

// RFC 3986 unreserved characters stay; everything else is %XX, so an id can never change the path.
std::string Encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

bool IsJsonContentType(std::string_view ct) {
  std::string t(ct.substr(0, ct.find(';')));
  for (auto& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  return t == "application/json" || (t.size() > 5 && t.compare(t.size() - 5, 5, "+json") == 0);
}

// The server's {statusCode, message, timestamp}; anything else (e.g. a proxy's HTML page) still
// gives the status and a generic message.
Error ApiError(const HttpResponse& r) {
  Error e = MakeError(ErrorKind::kApi, "", r.status);
  e.body = r.body;
  bj::error_code ec;
  bj::value v = bj::parse(r.body, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.get_object();
    if (auto* m = o.if_contains("message"); m && m->is_string()) e.message = std::string(m->get_string());
    if (auto* t = o.if_contains("timestamp"); t && t->is_string()) e.timestamp = std::string(t->get_string());
  }
  if (e.message.empty()) e.message = "HTTP " + std::to_string(r.status) + " without a JSON error body";
  if (r.status == 429 && !r.retry_after.empty() && r.retry_after.size() < 10 &&
      r.retry_after.find_first_not_of("0123456789") == std::string::npos) {
    e.retry_after = std::chrono::seconds(std::stoll(r.retry_after));
  }
  return e;
}

// Typed reads from a response object. The first problem is kept and names the field.
class Reader {
 public:
  Reader(const bj::object& o, std::string what) : o_(o), what_(std::move(what)) {}

  std::string Str(std::string_view key) {
    auto* v = o_.if_contains(key);
    if (v && v->is_string()) return std::string(v->get_string());
    Problem(key, "a string");
    return {};
  }
  std::optional<std::string> OptStr(std::string_view key) {
    auto* v = o_.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    if (v->is_string()) return std::string(v->get_string());
    Problem(key, "a string or null");
    return std::nullopt;
  }
  std::int64_t Int(std::string_view key) {
    auto* v = o_.if_contains(key);
    if (v && v->is_int64()) return v->get_int64();
    if (v && v->is_uint64() && v->get_uint64() <= INT64_MAX) return static_cast<std::int64_t>(v->get_uint64());
    Problem(key, "an integer");
    return 0;
  }
  bool Bool(std::string_view key, bool fallback) {
    auto* v = o_.if_contains(key);
    if (!v || v->is_null()) return fallback;
    if (v->is_bool()) return v->get_bool();
    Problem(key, "a boolean");
    return fallback;
  }
  std::optional<bool> OptBool(std::string_view key) {
    auto* v = o_.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    if (v->is_bool()) return v->get_bool();
    Problem(key, "a boolean or null");
    return std::nullopt;
  }
  std::optional<std::string> OptObjectJson(std::string_view key) {
    auto* v = o_.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    if (v->is_object()) return bj::serialize(*v);
    Problem(key, "an object or null");
    return std::nullopt;
  }
  std::vector<std::string> StrList(std::string_view key) {
    std::vector<std::string> out;
    auto* v = o_.if_contains(key);
    if (!v || v->is_null()) return out;
    if (v->is_array()) {
      for (const auto& x : v->get_array()) {
        if (!x.is_string()) break;
        out.emplace_back(x.get_string());
      }
      if (out.size() == v->get_array().size()) return out;
    }
    Problem(key, "an array of strings or null");
    return {};
  }
  const bj::object& object() const { return o_; }
  void Problem(std::string_view key, std::string_view expected) {
    if (!problem_) problem_ = BadResponse(what_ + ": field '" + std::string(key) + "' should be " + std::string(expected));
  }
  const std::optional<Error>& problem() const { return problem_; }

 private:
  const bj::object& o_;
  std::string what_;
  std::optional<Error> problem_;
};

void ReadSession(Reader& r, ConnectSession& s) {
  s.id = r.Int("id");
  s.organization_id = r.Int("organization_id");
  s.project_id = r.Str("project_id");
  s.origin_owner_id = r.Str("origin_owner_id");
  s.origin_owner_name = r.Str("origin_owner_name");
  s.origin_username = r.OptStr("origin_username");
  s.provider = r.OptStr("provider");
  s.categories = r.StrList("categories");
  s.account_id = r.OptStr("account_id");
  s.label = r.OptStr("label");
  s.multiple = r.Bool("multiple", false);
  s.metadata_json = r.OptObjectJson("metadata");
  s.type = r.OptStr("type");
  s.created_at = r.Str("created_at");
  s.expires_at = r.OptStr("expires_at");
}

Account ReadAccount(Reader& r) {
  Account a;
  a.id = r.Str("id");
  a.provider = r.Str("provider");
  a.provider_name = r.OptStr("provider_name");
  a.origin_owner_id = r.Str("origin_owner_id");
  a.origin_owner_name = r.Str("origin_owner_name");
  a.origin_username = r.OptStr("origin_username");
  a.label = r.OptStr("label");
  a.status = r.Str("status");
  if (auto* reasons = r.object().if_contains("status_reasons"); reasons && !reasons->is_null()) {
    if (!reasons->is_array()) r.Problem("status_reasons", "an array or null");
    else {
      for (const auto& x : reasons->get_array()) {
        if (!x.is_object()) {
          r.Problem("status_reasons", "an array of objects");
          break;
        }
        Reader rr(x.get_object(), "status reason");
        StatusReason sr{rr.OptStr("code"), rr.OptStr("description"), rr.Str("timestamp")};
        if (rr.problem()) r.Problem("status_reasons", "an array of {code, description, timestamp}");
        a.status_reasons.push_back(std::move(sr));
      }
    }
  }
  a.type = r.OptStr("type");
  a.metadata_json = r.OptObjectJson("metadata");
  a.integration_id = r.OptStr("integration_id");
  a.created_at = r.Str("created_at");
  a.updated_at = r.Str("updated_at");
  return a;
}

ConnectorMeta ReadConnector(Reader& r) {
  ConnectorMeta m;
  m.provider = r.Str("provider");
  m.provider_name = r.Str("provider_name");
  m.category = r.Str("category");
  m.active = r.OptBool("active");
  if (auto* res = r.object().if_contains("resources"); res && res->is_object()) {
    if (auto* images = res->get_object().if_contains("images"); images && images->is_object()) {
      Reader ir(images->get_object(), "connector resources.images");
      m.logo_url = ir.OptStr("logo_url");
    }
  }
  return m;
}

// A JSON object given as text by the caller, for embedding in a request body.
Result<bj::object> ParseObjectArg(const std::string& text, std::string_view name) {
  bj::error_code ec;
  bj::value v = bj::parse(text, ec);
  if (ec || !v.is_object()) return InvalidArgument(std::string(name) + " must be a JSON object, e.g. {\"source\": \"my-backend\"}");
  return std::move(v.get_object());
}

std::optional<Error> CheckId(std::string_view id, std::string_view name) {
  if (id.empty()) return InvalidArgument(std::string(name) + " is empty");
  return std::nullopt;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Client

class Client::Impl {
 public:
  explicit Impl(Options o) : options(std::move(o)), transport(options) {}

  // Sends the request, insists on the exact success status and a JSON body, and hands the parsed
  // value to `read`.
  template <typename T, typename F>
  Result<T> Call(std::string_view method, const std::string& path, const bj::value* body, int expected_status,
                 F&& read) const {
    std::string text;
    if (body) text = bj::serialize(*body);
    auto res = transport.Send(method, path, body ? &text : nullptr);
    if (!res.ok()) return std::move(res).error();
    const HttpResponse& r = res.value();
    const std::string what = std::string(method) + " " + path.substr(0, path.find('?'));
    if (r.status != expected_status) {
      if (r.status >= 400) return ApiError(r);
      return BadResponse(what + " answered " + std::to_string(r.status) + ", expected " + std::to_string(expected_status),
                         r.status);
    }
    if (!IsJsonContentType(r.content_type)) {
      return BadResponse(what + " answered with Content-Type '" + r.content_type.substr(0, 64) + "', not JSON", r.status);
    }
    bj::error_code ec;
    bj::value v = bj::parse(r.body, ec);
    if (ec) return BadResponse(what + " answered with invalid JSON: " + ec.message(), r.status);
    return read(v, what);
  }

  template <typename T, typename ReadOne>
  static Result<T> One(const bj::value& v, const std::string& what, ReadOne&& read_one) {
    if (!v.is_object()) return BadResponse(what + " answered with JSON that is not an object");
    Reader r(v.get_object(), what);
    T out = read_one(r);
    if (r.problem()) return *r.problem();
    return out;
  }

  template <typename T, typename ReadOne>
  static Result<std::vector<T>> Many(const bj::value& v, const std::string& what, ReadOne&& read_one) {
    if (!v.is_array()) return BadResponse(what + " answered with JSON that is not an array");
    std::vector<T> out;
    out.reserve(v.get_array().size());
    for (const auto& x : v.get_array()) {
      if (!x.is_object()) return BadResponse(what + " answered with an array holding a non-object");
      Reader r(x.get_object(), what);
      out.push_back(read_one(r));
      if (r.problem()) return *r.problem();
    }
    return out;
  }

  Options options;
  Transport transport;
};

Client::Client(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

const Options& Client::options() const { return impl_->options; }

Result<CreatedSession> Client::CreateSession(const CreateSessionRequest& q) const {
  bj::object body;
  body["origin_owner_id"] = q.origin_owner_id;
  body["origin_owner_name"] = q.origin_owner_name;
  if (q.origin_username) body["origin_username"] = *q.origin_username;
  if (q.provider) body["provider"] = *q.provider;
  if (!q.categories.empty()) {
    bj::array cats;
    for (const auto& c : q.categories) cats.emplace_back(c);
    body["categories"] = std::move(cats);
  }
  if (q.account_id) body["account_id"] = *q.account_id;
  if (q.label) body["label"] = *q.label;
  body["multiple"] = q.multiple;
  if (q.metadata_json) {
    auto m = ParseObjectArg(*q.metadata_json, "metadata_json");
    if (!m.ok()) return std::move(m).error();
    body["metadata"] = std::move(m.value());
  }
  if (q.expires_in) body["expires_in"] = static_cast<std::int64_t>(q.expires_in->count());
  if (q.type) body["type"] = *q.type;
  bj::value v(std::move(body));
  return impl_->Call<CreatedSession>("POST", "/connect_sessions", &v, 201, [](const bj::value& j, const std::string& what) {
    return Impl::One<CreatedSession>(j, what, [](Reader& r) {
      CreatedSession s;
      ReadSession(r, s);
      s.token = r.Str("token");
      s.auth_link_url = r.Str("auth_link_url");
      return s;
    });
  });
}

Result<ConnectSession> Client::AuthenticateSession(std::string_view token) const {
  if (auto e = CheckId(token, "token")) return *e;
  bj::value v(bj::object{{"token", token}});
  return impl_->Call<ConnectSession>(
      "POST", "/connect_sessions/authenticate", &v, 201, [](const bj::value& j, const std::string& what) {
        return Impl::One<ConnectSession>(j, what, [](Reader& r) {
          ConnectSession s;
          ReadSession(r, s);
          return s;
        });
      });
}

Result<std::vector<Account>> Client::ListAccounts(const ListAccountsRequest& q) const {
  if (q.page < 1) return InvalidArgument("page must be 1 or more");
  if (q.page_size < 1) return InvalidArgument("page_size must be 1 or more");
  std::string path = "/accounts?page=" + std::to_string(q.page) + "&page_size=" + std::to_string(q.page_size);
  auto add = [&](std::string_view key, const std::vector<std::string>& values) {
    for (const auto& v : values) path += "&" + std::string(key) + "=" + Encode(v);
  };
  add("providers", q.providers);
  add("origin_owner_ids", q.origin_owner_ids);
  add("account_ids", q.account_ids);
  add("status", q.statuses);
  return impl_->Call<std::vector<Account>>("GET", path, nullptr, 200, [](const bj::value& j, const std::string& what) {
    return Impl::Many<Account>(j, what, ReadAccount);
  });
}

Result<std::vector<Account>> Client::ListAllAccounts(ListAccountsRequest q, std::size_t max_accounts) const {
  std::vector<Account> all;
  for (;;) {
    auto page = ListAccounts(q);
    if (!page.ok()) return std::move(page).error();
    const size_t n = page->size();
    for (auto& a : page.value()) all.push_back(std::move(a));
    if (all.size() > max_accounts) {
      return BadResponse("more than " + std::to_string(max_accounts) + " accounts; narrow the filters or raise max_accounts");
    }
    if (n < static_cast<size_t>(q.page_size)) return all;
    ++q.page;
  }
}

Result<Account> Client::GetAccount(std::string_view id) const {
  if (auto e = CheckId(id, "account id")) return *e;
  return impl_->Call<Account>("GET", "/accounts/" + Encode(id), nullptr, 200, [](const bj::value& j, const std::string& what) {
    return Impl::One<Account>(j, what, ReadAccount);
  });
}

Result<Account> Client::UpdateAccount(std::string_view id, const UpdateAccountRequest& q) const {
  if (auto e = CheckId(id, "account id")) return *e;
  if (q.label && q.clear_label) return InvalidArgument("set label or clear_label, not both");
  if (q.origin_username && q.clear_origin_username) {
    return InvalidArgument("set origin_username or clear_origin_username, not both");
  }
  bj::object body;
  if (q.origin_owner_id) body["origin_owner_id"] = *q.origin_owner_id;
  if (q.origin_owner_name) body["origin_owner_name"] = *q.origin_owner_name;
  if (q.origin_username) body["origin_username"] = *q.origin_username;
  if (q.clear_origin_username) body["origin_username"] = nullptr;
  if (q.label) body["label"] = *q.label;
  if (q.clear_label) body["label"] = nullptr;
  if (q.status) body["status"] = *q.status;
  if (q.metadata_json) {
    auto m = ParseObjectArg(*q.metadata_json, "metadata_json");
    if (!m.ok()) return std::move(m).error();
    body["metadata"] = std::move(m.value());
  }
  if (!q.credentials.empty()) {
    bj::object creds;
    for (const auto& [k, v] : q.credentials) creds[k] = v;
    body["credentials"] = std::move(creds);
  }
  bj::value v(std::move(body));
  return impl_->Call<Account>("PATCH", "/accounts/" + Encode(id), &v, 200, [](const bj::value& j, const std::string& what) {
    return Impl::One<Account>(j, what, ReadAccount);
  });
}

Result<Account> Client::DeleteAccount(std::string_view id) const {
  if (auto e = CheckId(id, "account id")) return *e;
  return impl_->Call<Account>("DELETE", "/accounts/" + Encode(id), nullptr, 200, [](const bj::value& j, const std::string& what) {
    return Impl::One<Account>(j, what, ReadAccount);
  });
}

Result<AccountMeta> Client::GetAccountMeta(std::string_view id) const {
  if (auto e = CheckId(id, "account id")) return *e;
  return impl_->Call<AccountMeta>("GET", "/accounts/" + Encode(id) + "/meta", nullptr, 200,
                                  [](const bj::value& j, const std::string& what) {
                                    return Impl::One<AccountMeta>(j, what, [](Reader& r) {
                                      AccountMeta m;
                                      m.provider = r.Str("provider");
                                      m.category = r.Str("category");
                                      m.models_json = r.OptObjectJson("models").value_or("{}");
                                      return m;
                                    });
                                  });
}

Result<std::vector<ConnectorMeta>> Client::ListConnectorsMeta() const {
  return impl_->Call<std::vector<ConnectorMeta>>("GET", "/connectors/meta", nullptr, 200,
                                                 [](const bj::value& j, const std::string& what) {
                                                   return Impl::Many<ConnectorMeta>(j, what, ReadConnector);
                                                 });
}

Result<ConnectorMeta> Client::GetConnectorMeta(std::string_view provider) const {
  if (auto e = CheckId(provider, "provider")) return *e;
  return impl_->Call<ConnectorMeta>("GET", "/connectors/meta/" + Encode(provider), nullptr, 200,
                                    [](const bj::value& j, const std::string& what) {
                                      return Impl::One<ConnectorMeta>(j, what, ReadConnector);
                                    });
}

}  // namespace connecthub::client
