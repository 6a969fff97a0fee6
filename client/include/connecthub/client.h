// connecthub C++ client: call a connecthub server (or any StackOne-compatible API) from your backend.
//
// Your backend holds the project's API key and asks connecthub for short-lived connect sessions;
// your frontend hands the session token to the hub (connect.js), where your customer links an
// account. Later your backend lists, reads, updates and deletes those accounts.
//
//   #include <connecthub/client.h>
//
//   connecthub::Client hub({
//       .base_url = "https://connect.example.com",   // or http://127.0.0.1:8080
//       .api_key = api_key_from_environment,         // never in code
//   });
//
//   // Server side: the owner is whoever your own sign-in says, never what the browser sends.
//   auto session = hub.CreateSession({
//       .origin_owner_id = org.id,
//       .origin_owner_name = org.name,
//       .origin_username = user.email,
//       .provider = "demohris",                       // optional: open the hub at this provider
//       .metadata_json = R"({"source": "my-backend"})",
//   });
//   if (!session) {
//     log(session.error().ToString());              // e.g. "connecthub: 400 provider 'x' is not ..."
//     return Reply(500, "error when trying to fetch session");
//   }
//   return Reply(200, {{"token", session->token}});  // the browser calls Connect.start({sessionToken})
//
//   // Later: the accounts your customer linked.
//   auto accounts = hub.ListAccounts({.origin_owner_ids = {org.id}});
//   for (const auto& a : accounts.value()) ...     // check accounts.ok() first
//
// Contract:
// - Every call blocks the calling thread until the server answers, the call fails, or
//   Options::timeout passes. Errors are values (Result<T>); the client never throws for a failed
//   call and never retries one on its own (Error::IsRetryable() says when a retry makes sense).
// - A Client is safe to use from many threads at once. It keeps up to Options::max_idle_connections
//   keep-alive connections and reuses them. When a reused connection turns out to have been closed
//   by the server while idle (no answer byte arrived), the request is sent once more on a new
//   connection, within the same timeout; that is the only resend.
// - https:// URLs use TLS 1.2+ with the system's CA store (or Options::ca_file), SNI, and host name
//   verification. Redirects are not followed.
// - The API key is sent only in the Authorization header (HTTP Basic, key as username, empty
//   password) and never appears in an Error.
// - The public header has no Boost, Asio or OpenSSL includes: link the `connecthub_client` CMake
//   target and include this file. Requests and options are aggregates made for C++20 designated
//   initializers (GCC 12's -Wextra warns about the members left out: -Wno-missing-field-initializers).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace connecthub {
namespace client {

// ---------------------------------------------------------------------------------------------
// Errors

enum class ErrorKind {
  kApi,              // the server answered with an error status; status/message/timestamp are its own
  kTimeout,          // the call did not finish within Options::timeout
  kNetwork,          // name resolution, connection, TLS (incl. certificate checks) or a dropped connection
  kBadResponse,      // an answer that is not what the API promises (wrong status, not JSON, missing field)
  kInvalidArgument,  // the request was not sent: bad Options or arguments (message says which)
};

struct Error {
  ErrorKind kind = ErrorKind::kNetwork;
  // kApi: the HTTP status, which is also the body's `statusCode`. kBadResponse: the status if an
  // answer arrived. Otherwise 0.
  int status = 0;
  // kApi: the server's `message`, written for humans (e.g. "Account not found"). Otherwise what
  // went wrong, without secrets.
  std::string message;
  // kApi: the server's `timestamp` (ISO-8601, UTC). Empty otherwise.
  std::string timestamp;
  // kApi: the whole response body, for fields beyond the three above (e.g. `provider_response`).
  std::string body;
  // kApi with status 429: the server's Retry-After. Zero otherwise.
  std::chrono::seconds retry_after{0};

  bool IsApi(int http_status) const { return kind == ErrorKind::kApi && status == http_status; }
  bool IsNotFound() const { return IsApi(404); }
  bool IsUnauthorized() const { return IsApi(401); }
  // Timeouts, network failures, 429, 502, 503 and 504: the same call may succeed later.
  bool IsRetryable() const;
  // One line for logs, e.g. "connecthub: 404 Account not found" or "connecthub: timeout: ...".
  std::string ToString() const;
};

// A T or an Error (std::expected is C++23). Calling value() on an error is a bug: it throws
// std::bad_variant_access.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit on purpose
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit on purpose

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

// ---------------------------------------------------------------------------------------------
// Options

struct Options {
  // The connecthub server, e.g. "https://connect.example.com" or "http://127.0.0.1:8080". A path
  // prefix is kept ("https://example.com/connecthub" calls "/connecthub/accounts").
  std::string base_url;
  // The project's API key. Read it from the environment or a secret store, never from code.
  std::string api_key;
  // The whole call: name resolution, connect, TLS handshake, sending and receiving.
  std::chrono::milliseconds timeout{10'000};
  // PEM file of CA certificates to trust instead of the system store (e.g. a private CA). Empty:
  // the system store.
  std::string ca_file;
  // Larger responses fail with kBadResponse.
  std::size_t max_response_bytes = 16 * 1024 * 1024;
  // Idle keep-alive connections kept for reuse; 0 closes each connection after its call.
  std::size_t max_idle_connections = 4;
  std::string user_agent = "connecthub-cpp/0.1";
};

// ---------------------------------------------------------------------------------------------
// Connect sessions

// POST /connect_sessions. Set the owner on the server side from your own sign-in, never from what a
// browser sends (see the example at the top).
struct CreateSessionRequest {
  std::string origin_owner_id;    // required: your customer's organization id
  std::string origin_owner_name;  // required: its display name
  std::optional<std::string> origin_username;  // who in that organization starts the linking
  // Open the hub at this provider's form (it must be enabled in the project). Leave it out to let
  // the user pick among the project's integrations.
  std::optional<std::string> provider;
  std::vector<std::string> categories;     // e.g. {"hris"}: the hub offers only these categories
  std::optional<std::string> account_id;   // edit (re-link) this account; must have the same owner
  std::optional<std::string> label;        // stored on the account
  bool multiple = false;                   // create another account even if one exists for the owner+provider
  std::optional<std::string> metadata_json;  // a JSON object as text, stored on the account
  std::optional<std::chrono::seconds> expires_in;  // server default: 30 minutes
  std::optional<std::string> type;         // "production" (server default) or "test"
};

struct ConnectSession {
  std::int64_t id = 0;
  std::int64_t organization_id = 0;
  std::string project_id;
  std::string origin_owner_id;
  std::string origin_owner_name;
  std::optional<std::string> origin_username;
  std::optional<std::string> provider;
  std::vector<std::string> categories;
  std::optional<std::string> account_id;
  std::optional<std::string> label;
  bool multiple = false;
  std::optional<std::string> metadata_json;  // a JSON object as text
  std::optional<std::string> type;
  std::string created_at;                    // ISO-8601, UTC
  std::optional<std::string> expires_at;
};

// What CreateSession returns: the session plus its secret token.
struct CreatedSession : ConnectSession {
  std::string token;          // give it to the browser for Connect.start({sessionToken}); don't log it
  std::string auth_link_url;  // the hosted hub page for this token, e.g. to email
};

// ---------------------------------------------------------------------------------------------
// Accounts

struct StatusReason {
  std::optional<std::string> code;
  std::optional<std::string> description;
  std::string timestamp;
};

// A linked account. Credentials are never returned.
struct Account {
  std::string id;
  std::string provider;
  std::optional<std::string> provider_name;
  std::string origin_owner_id;
  std::string origin_owner_name;
  std::optional<std::string> origin_username;
  std::optional<std::string> label;
  std::string status;  // "active", "inactive" or "error" (kept as text: StackOne may add values)
  std::vector<StatusReason> status_reasons;
  std::optional<std::string> type;           // "production" or "test"
  std::optional<std::string> metadata_json;  // a JSON object as text
  std::optional<std::string> integration_id;
  std::string created_at;
  std::string updated_at;
};

// GET /accounts filters; empty lists filter nothing, and values within one list are alternatives.
struct ListAccountsRequest {
  int page = 1;        // from 1
  int page_size = 25;  // connecthub allows 1 to 1000
  std::vector<std::string> providers;
  std::vector<std::string> origin_owner_ids;
  std::vector<std::string> account_ids;
  std::vector<std::string> statuses;  // "active", "inactive", "error"
};

// PATCH /accounts/{id}: fields left empty keep their values.
struct UpdateAccountRequest {
  std::optional<std::string> origin_owner_id;
  std::optional<std::string> origin_owner_name;
  std::optional<std::string> origin_username;
  bool clear_origin_username = false;  // sends null; not together with origin_username
  std::optional<std::string> label;
  bool clear_label = false;            // sends null; not together with label
  std::optional<std::string> status;   // "active" or "inactive"
  std::optional<std::string> metadata_json;  // replaces the metadata (a JSON object as text; "{}" keeps it)
  // Credential fields to change, checked by the provider's rules and merged with the stored ones.
  std::map<std::string, std::string> credentials;
};

struct AccountMeta {
  std::string provider;
  std::string category;
  std::string models_json;  // a JSON object as text
};

// ---------------------------------------------------------------------------------------------
// Connectors

struct ConnectorMeta {
  std::string provider;       // the provider key, e.g. "bamboohr"
  std::string provider_name;  // e.g. "BambooHR"
  std::string category;       // e.g. "hris"
  std::optional<bool> active;  // enabled in this project
  std::optional<std::string> logo_url;
};

// ---------------------------------------------------------------------------------------------
// The client

class Client {
 public:
  // Never throws for bad options: a bad base_url or an unreadable ca_file makes every call return
  // kInvalidArgument saying why. Nothing is sent until the first call.
  explicit Client(Options options);
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // POST /connect_sessions (201).
  Result<CreatedSession> CreateSession(const CreateSessionRequest& request) const;
  // POST /connect_sessions/authenticate (201): the session behind a token. A token that is unknown,
  // expired, spent or another project's: kApi 401.
  Result<ConnectSession> AuthenticateSession(std::string_view token) const;

  // GET /accounts: one page.
  Result<std::vector<Account>> ListAccounts(const ListAccountsRequest& request = {}) const;
  // Every page of GET /accounts from request.page on, request.page_size at a time (raise it, e.g.
  // to 1000, for fewer calls). More than max_accounts: kBadResponse rather than an endless loop.
  Result<std::vector<Account>> ListAllAccounts(ListAccountsRequest request = {},
                                               std::size_t max_accounts = 100'000) const;
  // GET /accounts/{id}. Another project's account is as unknown as a made-up id: kApi 404.
  Result<Account> GetAccount(std::string_view id) const;
  // PATCH /accounts/{id}: the account after the change.
  Result<Account> UpdateAccount(std::string_view id, const UpdateAccountRequest& request) const;
  // DELETE /accounts/{id}: the account as it was; its credentials are destroyed.
  Result<Account> DeleteAccount(std::string_view id) const;
  // GET /accounts/{id}/meta.
  Result<AccountMeta> GetAccountMeta(std::string_view id) const;

  // GET /connectors/meta: every provider in the catalog, `active` when enabled in this project.
  Result<std::vector<ConnectorMeta>> ListConnectorsMeta() const;
  // GET /connectors/meta/{provider}. Unknown provider: kApi 404.
  Result<ConnectorMeta> GetConnectorMeta(std::string_view provider) const;

  const Options& options() const;

  class Impl;  // HTTP transport and connection pool (client/src), not part of the API

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace client

// The names customers use: connecthub::Client, connecthub::client::Account, ...
using client::Client;

}  // namespace connecthub
