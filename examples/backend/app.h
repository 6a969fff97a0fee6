// The example backend: "your SaaS", with demo users in demo organizations, the seed's endpoint
// POST /stackone_connect_sessions, and a page that links accounts through connecthub's hub.
//
// Routes:
//   GET  /                          the demo page (index.html, app.js, app.css from public/)
//   GET  /api/demo-users            who you can sign in as
//   POST /api/login {email}         signs in (a cookie); POST /api/logout signs out
//   GET  /api/me                    the signed-in user and their organization
//   POST /stackone_connect_sessions {originUsername, provider} -> {token}   (the seed's endpoint)
//   GET  /api/connectors            the providers enabled in the connecthub project
//   GET  /api/accounts              the organization's linked accounts
//   DELETE /api/accounts/{id}       unlinks one of them
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <connecthub/client.h>

#include "http_server.h"

namespace example {

struct Organization {
  std::string id;    // becomes origin_owner_id
  std::string name;  // becomes origin_owner_name
};

struct DemoUser {
  std::string email;
  std::string name;
  Organization organization;
};

// Two organizations, three people: sign-in is a demo, the organization boundary is real.
const std::vector<DemoUser>& DemoUsers();

// What the browser may choose in POST /stackone_connect_sessions: exactly the seed's two fields.
struct ConnectBody {
  std::optional<std::string> origin_username;  // "originUsername"
  std::optional<std::string> provider;         // "provider"
};

// Reads the body as the seed does. Anything else in it (origin_owner_id, metadata, ...) is ignored.
// Not a JSON object, or a field that is neither a string nor null: nullopt.
std::optional<ConnectBody> ParseConnectBody(std::string_view json);

// The connect session for `user`: owner id and name from the user's organization (server side,
// never from the request), the browser's username and provider, and metadata {"source": "my-backend"}.
connecthub::client::CreateSessionRequest SessionRequestFor(const DemoUser& user, const ConnectBody& body);

struct AppConfig {
  // Where browsers reach connecthub (connect.js and the hub page), e.g. http://127.0.0.1:8080.
  std::string connecthub_public_url;
  // index.html, app.js and app.css.
  std::string public_dir;
};

class App {
 public:
  // `client` must outlive the App. Thread-safe: Handle may run on many threads at once.
  App(const connecthub::Client& client, AppConfig config);
  HttpResponse Handle(const HttpRequest& req);

 private:
  const DemoUser* SignedInUser(const HttpRequest& req) const;
  HttpResponse Page(const std::string& file, const std::string& content_type) const;
  HttpResponse Login(const HttpRequest& req);
  HttpResponse Logout(const HttpRequest& req);
  HttpResponse ConnectSession(const HttpRequest& req, const DemoUser& user) const;
  HttpResponse Connectors() const;
  HttpResponse Accounts(const DemoUser& user) const;
  HttpResponse DeleteAccount(const DemoUser& user, std::string_view id) const;
  std::string LogoFor(const std::string& provider) const;

  const connecthub::Client& client_;
  AppConfig config_;
  std::string hub_origin_;  // scheme://host[:port] of connecthub_public_url, for the CSP

  mutable std::mutex mu_;
  std::unordered_map<std::string, std::string> sessions_;  // cookie value -> email; guarded by mu_
  mutable std::unordered_map<std::string, std::string> logos_;  // provider -> logo URL; guarded by mu_
};

}  // namespace example
