#include "app.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include <boost/json.hpp>

namespace example {

namespace json = boost::json;
using connecthub::client::CreateSessionRequest;

const std::vector<DemoUser>& DemoUsers() {
  static const std::vector<DemoUser> users = {
      {"jane@acme.test", "Jane Doe", {"customer-123", "Acme Inc"}},
      {"sam@acme.test", "Sam Lee", {"customer-123", "Acme Inc"}},
      {"kim@globex.test", "Kim Park", {"customer-456", "Globex Corporation"}},
  };
  return users;
}

std::optional<ConnectBody> ParseConnectBody(std::string_view text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  ConnectBody body;
  for (auto [key, field] : {std::pair{"originUsername", &body.origin_username}, std::pair{"provider", &body.provider}}) {
    const json::value* f = o.if_contains(key);
    if (!f || f->is_null()) continue;
    if (!f->is_string()) return std::nullopt;
    *field = std::string(f->get_string());
  }
  return body;
}

CreateSessionRequest SessionRequestFor(const DemoUser& user, const ConnectBody& body) {
  return {
      // Who owns the linked account is decided here, from our own sign-in. A browser can send
      // anything, so nothing owner-related is read from the request.
      .origin_owner_id = user.organization.id,
      .origin_owner_name = user.organization.name,
      .origin_username = body.origin_username,
      .provider = body.provider,
      .metadata_json = R"({"source": "my-backend"})",
  };
}

namespace {

constexpr std::string_view kCookie = "demo_session";

HttpResponse Json(int status, const json::value& v) {
  return {.status = status,
          .content_type = "application/json",
          .body = json::serialize(v),
          .headers = {{"Cache-Control", "no-store"}}};
}

HttpResponse Message(int status, std::string_view message) { return Json(status, json::object{{"message", message}}); }

std::string RandomHex(size_t bytes) {
  static thread_local std::random_device rd;  // getrandom(2) on Linux
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes; ++i) {
    unsigned b = rd() & 0xff;
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string CookieValue(const HttpRequest& req, std::string_view name) {
  std::string all = req.Header("cookie");
  std::string_view rest(all);
  while (!rest.empty()) {
    auto semi = rest.find(';');
    std::string_view part = rest.substr(0, semi);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=') {
      return std::string(part.substr(name.size() + 1));
    }
    if (semi == std::string_view::npos) break;
    rest.remove_prefix(semi + 1);
  }
  return {};
}

// scheme://host[:port] of a URL, for the Content-Security-Policy.
std::string OriginOf(const std::string& url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  auto path = url.find('/', scheme_end + 3);
  return url.substr(0, path);
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// A cross-site page cannot make a browser send these requests with our cookie: the cookie is
// SameSite=Strict, JSON bodies need a CORS preflight we never grant, and a foreign Origin is refused.
bool SameOrigin(const HttpRequest& req) {
  std::string origin = req.Header("origin");
  if (origin.empty()) return true;  // not a browser, or a same-origin GET
  auto host_start = origin.find("://");
  return host_start != std::string::npos && origin.substr(host_start + 3) == req.Header("host");
}

bool IsJson(const HttpRequest& req) {
  std::string ct = req.Header("content-type");
  ct = ct.substr(0, ct.find(';'));
  std::transform(ct.begin(), ct.end(), ct.begin(), [](unsigned char c) { return std::tolower(c); });
  return ct == "application/json";
}

json::object UserJson(const DemoUser& u) {
  return {{"email", u.email},
          {"name", u.name},
          {"organization", json::object{{"id", u.organization.id}, {"name", u.organization.name}}}};
}

json::value OptString(const std::optional<std::string>& s) { return s ? json::value(*s) : json::value(nullptr); }

}  // namespace

App::App(const connecthub::Client& client, AppConfig config) : client_(client), config_(std::move(config)) {
  while (!config_.connecthub_public_url.empty() && config_.connecthub_public_url.back() == '/') {
    config_.connecthub_public_url.pop_back();
  }
  hub_origin_ = OriginOf(config_.connecthub_public_url);
}

const DemoUser* App::SignedInUser(const HttpRequest& req) const {
  std::string token = CookieValue(req, kCookie);
  if (token.empty()) return nullptr;
  std::lock_guard lock(mu_);
  auto it = sessions_.find(token);
  if (it == sessions_.end()) return nullptr;
  for (const auto& u : DemoUsers())
    if (u.email == it->second) return &u;
  return nullptr;
}

HttpResponse App::Handle(const HttpRequest& req) {
  const std::string& m = req.method;
  const std::string& p = req.path;
  if (m == "GET" && (p == "/" || p == "/index.html")) return Page("index.html", "text/html; charset=utf-8");
  if (m == "GET" && p == "/app.js") return Page("app.js", "text/javascript; charset=utf-8");
  if (m == "GET" && p == "/app.css") return Page("app.css", "text/css; charset=utf-8");
  if (m == "GET" && p == "/healthz") return Message(200, "ok");
  if (m == "GET" && p == "/api/demo-users") {
    json::array users;
    for (const auto& u : DemoUsers()) users.push_back(UserJson(u));
    return Json(200, users);
  }

  if (m != "GET" && m != "HEAD" && !SameOrigin(req)) return Message(403, "cross-origin request refused");
  if (m == "POST" && p == "/api/login") return Login(req);
  if (m == "POST" && p == "/api/logout") return Logout(req);

  const DemoUser* user = SignedInUser(req);
  const bool known = p == "/api/me" || p == "/stackone_connect_sessions" || p == "/api/connectors" ||
                     p == "/api/accounts" || p.rfind("/api/accounts/", 0) == 0;
  if (!known) return Message(404, "not found");
  if (!user) return Message(401, "sign in first");
  if (m == "GET" && p == "/api/me") return Json(200, UserJson(*user));
  if (m == "POST" && p == "/stackone_connect_sessions") return ConnectSession(req, *user);
  if (m == "GET" && p == "/api/connectors") return Connectors();
  if (m == "GET" && p == "/api/accounts") return Accounts(*user);
  if (m == "DELETE" && p.rfind("/api/accounts/", 0) == 0) {
    return DeleteAccount(*user, std::string_view(p).substr(std::string_view("/api/accounts/").size()));
  }
  return Message(405, "method not allowed");
}

HttpResponse App::Page(const std::string& file, const std::string& content_type) const {
  std::ifstream in(config_.public_dir + "/" + file, std::ios::binary);
  if (!in) return Message(500, "missing " + file + " in " + config_.public_dir);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string body = ss.str();
  if (file == "index.html") {
    const std::string placeholder = "%CONNECTHUB_URL%";
    for (auto pos = body.find(placeholder); pos != std::string::npos; pos = body.find(placeholder, pos)) {
      std::string value = HtmlEscape(config_.connecthub_public_url);
      body.replace(pos, placeholder.size(), value);
      pos += value.size();
    }
  }
  HttpResponse res{.status = 200, .content_type = content_type, .body = std::move(body)};
  // connect.js comes from connecthub and opens the hub in an iframe from there: allow exactly that
  // origin for scripts and frames (and its logos), and nothing else from outside.
  res.headers = {
      {"Content-Security-Policy", "default-src 'none'; script-src 'self' " + hub_origin_ + "; frame-src " + hub_origin_ +
                                      "; img-src 'self' " + hub_origin_ +
                                      "; style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; "
                                      "frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"Cache-Control", "no-store"},
  };
  return res;
}

HttpResponse App::Login(const HttpRequest& req) {
  if (!IsJson(req)) return Message(415, "send JSON");
  json::error_code ec;
  json::value v = json::parse(req.body, ec);
  const json::value* email = (!ec && v.is_object()) ? v.get_object().if_contains("email") : nullptr;
  const DemoUser* user = nullptr;
  for (const auto& u : DemoUsers())
    if (email && email->is_string() && u.email == email->get_string()) user = &u;
  if (!user) return Message(400, "pick one of the demo users");
  std::string token = RandomHex(32);
  {
    std::lock_guard lock(mu_);
    sessions_[token] = user->email;
  }
  HttpResponse res = Json(200, UserJson(*user));
  res.headers.emplace_back("Set-Cookie", std::string(kCookie) + "=" + token + "; Path=/; HttpOnly; SameSite=Strict");
  return res;
}

HttpResponse App::Logout(const HttpRequest& req) {
  std::string token = CookieValue(req, kCookie);
  {
    std::lock_guard lock(mu_);
    sessions_.erase(token);
  }
  HttpResponse res = Message(200, "signed out");
  res.headers.emplace_back("Set-Cookie", std::string(kCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  return res;
}

// The seed's endpoint. Success: {"token": "..."}; any failure to get a session: 500 with the seed's
// text. The reason is logged here, never sent to the browser.
HttpResponse App::ConnectSession(const HttpRequest& req, const DemoUser& user) const {
  if (!IsJson(req)) return Message(415, "send JSON");
  std::optional<ConnectBody> body = ParseConnectBody(req.body);
  if (!body) return Message(400, "expected a JSON object with string fields originUsername and provider");
  auto session = client_.CreateSession(SessionRequestFor(user, *body));
  if (!session.ok()) {
    std::cerr << "POST /stackone_connect_sessions for " << user.organization.id << ": " << session.error().ToString()
              << std::endl;
    return {.status = 500, .content_type = "text/plain; charset=utf-8", .body = "error when trying to fetch session",
            .headers = {{"Cache-Control", "no-store"}}};
  }
  return Json(200, json::object{{"token", session->token}});
}

HttpResponse App::Connectors() const {
  auto all = client_.ListConnectorsMeta();
  if (!all.ok()) {
    std::cerr << "GET /api/connectors: " << all.error().ToString() << std::endl;
    return Message(502, "could not reach connecthub");
  }
  std::sort(all->begin(), all->end(), [](const auto& a, const auto& b) { return a.provider_name < b.provider_name; });
  json::array out;
  std::lock_guard lock(mu_);
  for (const auto& c : *all) {
    if (c.logo_url) logos_[c.provider] = *c.logo_url;
    if (c.active != true) continue;
    out.push_back(json::object{{"provider", c.provider},
                               {"name", c.provider_name},
                               {"category", c.category},
                               {"logo_url", OptString(c.logo_url)}});
  }
  return Json(200, out);
}

std::string App::LogoFor(const std::string& provider) const {
  {
    std::lock_guard lock(mu_);
    if (auto it = logos_.find(provider); it != logos_.end()) return it->second;
  }
  auto meta = client_.GetConnectorMeta(provider);
  std::lock_guard lock(mu_);
  return logos_[provider] = (meta.ok() && meta->logo_url) ? *meta->logo_url : std::string();
}

HttpResponse App::Accounts(const DemoUser& user) const {
  // Only this organization's accounts: the filter is our own organization id, never the browser's.
  auto accounts = client_.ListAllAccounts({.page_size = 100, .origin_owner_ids = {user.organization.id}});
  if (!accounts.ok()) {
    std::cerr << "GET /api/accounts: " << accounts.error().ToString() << std::endl;
    return Message(502, "could not reach connecthub");
  }
  std::sort(accounts->begin(), accounts->end(), [](const auto& a, const auto& b) { return a.created_at < b.created_at; });
  json::array out;
  for (const auto& a : *accounts) {
    out.push_back(json::object{{"id", a.id},
                               {"provider", a.provider},
                               {"provider_name", a.provider_name.value_or(a.provider)},
                               {"logo_url", LogoFor(a.provider)},
                               {"status", a.status},
                               {"origin_username", OptString(a.origin_username)},
                               {"label", OptString(a.label)},
                               {"created_at", a.created_at},
                               {"updated_at", a.updated_at}});
  }
  return Json(200, out);
}

HttpResponse App::DeleteAccount(const DemoUser& user, std::string_view id) const {
  // Check ownership first: an id from the browser may be another organization's.
  auto account = client_.GetAccount(id);
  if (!account.ok() && account.error().IsNotFound()) return Message(404, "no such account");
  if (!account.ok()) {
    std::cerr << "DELETE /api/accounts: " << account.error().ToString() << std::endl;
    return Message(502, "could not reach connecthub");
  }
  if (account->origin_owner_id != user.organization.id) return Message(404, "no such account");
  auto deleted = client_.DeleteAccount(id);
  if (!deleted.ok()) {
    std::cerr << "DELETE /api/accounts: " << deleted.error().ToString() << std::endl;
    return Message(502, "could not reach connecthub");
  }
  return Json(200, json::object{{"id", deleted->id}});
}

}  // namespace example
