// The one storage interface. SQLite (embedded default) and PostgreSQL (scale-out) implement it;
// the store contract suite (store_contract_test.cc) runs unchanged against both.
//
// Contract for every method:
// - Thread-safe: any number of threads may call concurrently.
// - kNotFound means the object does not exist *in the given project* (another project's objects are
//   never visible); kUnavailable means the database could not be reached or was busy (retryable);
//   kConflict means a uniqueness rule would break. Nothing else is returned for expected conditions.
// - A method that returns an error has changed nothing.
// - Ciphertexts are opaque text to the store; it never sees plaintext credentials.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/types.h"
#include "core/upsert.h"

namespace connecthub {

struct AccountFilter {
  std::string project_id;
  std::vector<std::string> providers{};     // any of (the deprecated `provider` is folded in)
  std::vector<std::string> owner_ids{};     // any of (`origin_owner_id` folded in)
  std::vector<std::string> account_ids{};   // any of
  std::vector<AccountStatus> statuses{};    // any of
  int64_t page = 1;                         // from 1
  int64_t page_size = 25;
};

// What CompleteSession hands to the caller's decision inside its transaction.
struct CompletionContext {
  const ConnectSession& session;               // re-read in the transaction; already checked usable
  const std::vector<Account>& existing_for_key;  // same project, owner id, owner name, provider; oldest first
  const Account* session_account;              // the session's account_id, if any and it exists
};

// The row to write: insert when `create`, else update the row with `account.id`.
struct AccountWrite {
  bool create = false;
  Account account;
};

struct Completion {
  Account account;
  bool created = false;
  int64_t deliveries = 0;  // webhook deliveries its event queued (0: no endpoint wants it)
};

// An account event, written in the same transaction as the change it describes (the outbox): the
// store turns it into one pending delivery per enabled webhook endpoint of the project that wants it.
struct OutboxEvent {
  std::string project_id;
  std::string type;          // account.created | account.updated | account.deleted
  std::string account_id;
  std::string payload_json;  // the event body, fixed when the change commits
  TimeMs created_at = 0;
};

struct WebhookEndpoint {
  std::string id;  // "whk_..."
  std::string project_id;
  std::string url;
  std::vector<std::string> events;  // subset of account.created, account.updated, account.deleted
  std::string secret_ciphertext;    // signing secret, encrypted with the credentials keyring
  std::optional<std::string> previous_secret_ciphertext;  // during a rotation's grace period
  std::optional<TimeMs> previous_secret_expires_at;
  TimeMs created_at = 0;
};

enum class DeliveryStatus { kPending, kDelivered, kFailed };
const char* DeliveryStatusName(DeliveryStatus s);

struct Delivery {
  int64_t id = 0;
  std::string message_id;  // webhook-id: the same on every attempt
  std::string project_id;
  std::string endpoint_id;
  std::string account_id;
  std::string event_type;
  std::string payload_json;
  DeliveryStatus status = DeliveryStatus::kPending;
  int attempts = 0;
  TimeMs next_attempt_at = 0;
  std::optional<int> last_status;  // HTTP status of the last attempt
  std::optional<std::string> last_error;
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
};

// What happened to one attempt.
struct DeliveryOutcome {
  DeliveryStatus status = DeliveryStatus::kPending;  // kPending = retry at next_attempt_at
  TimeMs next_attempt_at = 0;
  std::optional<int> http_status;
  std::optional<std::string> error;
  TimeMs now = 0;
};

// What one of the store's connection pools is doing, read by /metrics at scrape time.
struct PoolUse {
  std::string pool;    // "sqlite_read", "sqlite_write" or "postgres"
  size_t max = 0;      // connections the pool may hold
  size_t open = 0;     // connections open now
  size_t in_use = 0;   // connections lent out (for the SQLite writer: a batch is committing)
  size_t waiting = 0;  // callers waiting for a connection (for the SQLite writer: queued writes)
};

class Store {
 public:
  virtual ~Store() = default;

  // Applies pending migrations; safe when several processes start at once. Returns how many ran.
  virtual Result<int> Migrate() = 0;
  // A cheap round trip proving the database answers.
  virtual Status Ping() = 0;
  // A snapshot of the connection pools (never blocks on the database).
  virtual std::vector<PoolUse> PoolUsage() = 0;

  // --- Tenancy -------------------------------------------------------------------------------
  virtual Result<Organization> CreateOrganization(std::string_view name, TimeMs now) = 0;
  virtual Result<Project> CreateProject(const Project& p) = 0;  // p.id chosen by the caller
  virtual Result<Project> FindProject(std::string_view project_id) = 0;
  virtual Result<std::vector<Project>> ListProjects() = 0;
  virtual Status SetAllowedOrigins(std::string_view project_id, const std::vector<std::string>& origins) = 0;

  virtual Status CreateApiKey(const ApiKey& key) = 0;
  // kNotFound when the key does not exist in the project or is already revoked.
  virtual Status RevokeApiKey(std::string_view project_id, std::string_view key_id, TimeMs now) = 0;
  virtual Result<std::vector<ApiKey>> ListApiKeys(std::string_view project_id) = 0;
  // The project of an unrevoked key with this hash; kNotFound otherwise.
  virtual Result<Project> FindProjectByApiKeyHash(std::string_view hash) = 0;

  // --- Integrations --------------------------------------------------------------------------
  // Inserts or replaces by (project, provider), keeping the original id and created_at.
  virtual Result<Integration> PutIntegration(const Integration& i) = 0;
  virtual Result<std::vector<Integration>> ListIntegrations(std::string_view project_id) = 0;

  // --- Connect sessions ----------------------------------------------------------------------
  // Assigns and returns the numeric id.
  virtual Result<ConnectSession> CreateSession(const ConnectSession& s) = 0;
  // CreateSession without waiting: queues the insert and returns true; `done` runs exactly once when
  // the session is durable (or the write failed), on a thread of the store's, so it must be quick
  // and must not call back into the store. A store without such a path returns false and never
  // calls `done`; the caller then uses CreateSession from a thread that may block.
  using SessionDone = std::function<void(Result<ConnectSession>)>;
  virtual bool CreateSessionAsync(const ConnectSession& /*s*/, SessionDone /*done*/) { return false; }
  // Whether CreateSessionAsync is implemented (it may still return false while shutting down).
  virtual bool HasAsyncSessionWrites() const { return false; }
  virtual Result<ConnectSession> FindSessionByTokenHash(std::string_view token_hash) = 0;
  // Deletes sessions that expired before `before`; returns how many.
  virtual Result<int64_t> DeleteExpiredSessions(TimeMs before) = 0;

  // --- Accounts ------------------------------------------------------------------------------
  virtual Result<Account> FindAccount(std::string_view project_id, std::string_view account_id) = 0;
  // Accounts with the upsert key, oldest first.
  virtual Result<std::vector<Account>> FindAccountsByKey(std::string_view project_id, std::string_view owner_id,
                                                         std::string_view owner_name, std::string_view provider) = 0;
  // Ordered by creation (seq), so offset pages never repeat or skip while accounts are added.
  virtual Result<std::vector<Account>> ListAccounts(const AccountFilter& filter) = 0;

  // Atomically: re-reads session `session_id`, checks it is usable at `now` (kUnauthenticated if not),
  // reads the accounts the upsert rules need (locking the key against concurrent completions), asks
  // `decide`, writes its row, marks the session spent, and appends the outbox event from `event`.
  // Either all of it commits or none.
  using DecideFn = std::function<Result<AccountWrite>(const CompletionContext&)>;
  using EventFn = std::function<std::optional<OutboxEvent>(const Account&, bool created)>;
  virtual Result<Completion> CompleteSession(int64_t session_id, std::string_view provider, TimeMs now,
                                             const DecideFn& decide, const EventFn& event) = 0;

  // CompleteSession without waiting, for a session known by its token hash (the hub's hot path: the
  // reads it needs happen inside the write, on the writer's connection, instead of beforehand on a
  // pool). In one transaction: reads the session with `token_hash` and its project's integration
  // `integration_id`, asks `resolve` for the provider to complete (its error ends the work with
  // nothing written; so does any error after it), then does what CompleteSession does. `done` runs
  // exactly once, on a thread of the store's, after the commit or the failure: it must be quick and
  // must not call the store. A store without such a path returns false and never calls `done`.
  // `resolve` gets null for a session or integration that does not exist.
  using ResolveFn = std::function<Result<std::string>(const ConnectSession* session, const Integration* integration)>;
  using CompletionDone = std::function<void(Result<Completion>)>;
  virtual bool CompleteSessionAsync(std::string /*token_hash*/, std::string /*integration_id*/, TimeMs /*now*/,
                                    ResolveFn /*resolve*/, DecideFn /*decide*/, EventFn /*event*/,
                                    CompletionDone /*done*/) {
    return false;
  }

  // Atomically reads the account, asks `mutate` for the new row, refuses with kConflict when the new
  // upsert key collides with another account (unless both were made with `multiple`), writes it and
  // the outbox event. `mutate` returning the row unchanged writes nothing and emits no event.
  using MutateFn = std::function<Result<Account>(const Account& current)>;
  virtual Result<Account> UpdateAccount(std::string_view project_id, std::string_view account_id,
                                        const MutateFn& mutate, const EventFn& event) = 0;
  // Deletes the row and its ciphertext in one transaction; returns the account as it was.
  virtual Result<Account> DeleteAccount(std::string_view project_id, std::string_view account_id,
                                        const EventFn& event) = 0;

  // --- Webhooks -------------------------------------------------------------------------------
  virtual Status CreateWebhook(const WebhookEndpoint& w) = 0;
  virtual Result<std::vector<WebhookEndpoint>> ListWebhooks(std::string_view project_id) = 0;
  // Deletes the endpoint and every delivery it has (pending, delivered and failed): its log goes with it.
  virtual Status DeleteWebhook(std::string_view project_id, std::string_view id) = 0;
  virtual Status UpdateWebhookSecrets(std::string_view project_id, std::string_view id, std::string_view secret_ciphertext,
                                      const std::optional<std::string>& previous_ciphertext,
                                      std::optional<TimeMs> previous_expires_at) = 0;
  // Leases up to `limit` pending deliveries due at `now` until `lease_until`, so that no other instance
  // sends them meanwhile. Per (endpoint, account) only the oldest pending delivery is eligible, which
  // keeps each account's events in order.
  virtual Result<std::vector<Delivery>> ClaimDeliveries(TimeMs now, int limit, TimeMs lease_until) = 0;
  virtual Result<WebhookEndpoint> FindWebhook(std::string_view endpoint_id) = 0;  // any project (dispatcher)
  virtual Status FinishDelivery(int64_t delivery_id, const DeliveryOutcome& outcome) = 0;
  // Newest first.
  virtual Result<std::vector<Delivery>> ListDeliveries(std::string_view project_id, std::string_view endpoint_id,
                                                       int limit) = 0;

  // Key rotation: accounts after `after_seq` (any project), ascending, at most `limit`.
  virtual Result<std::vector<Account>> ScanAccounts(int64_t after_seq, int limit) = 0;
  // Compare-and-swap of one ciphertext; false when it changed meanwhile (caller re-reads).
  virtual Result<bool> ReplaceCiphertext(std::string_view account_id, std::string_view expected,
                                         std::string_view replacement) = 0;
};

// Opens the store a database URL names: "sqlite:PATH" (or a bare path) or "postgresql://...".
Result<std::unique_ptr<Store>> OpenStore(std::string_view url);

// Codecs for the few list-valued columns (identical in every backend).
std::string EncodeStringList(const std::vector<std::string>& v);
std::vector<std::string> DecodeStringList(std::string_view json);
std::string EncodeStringMap(const std::map<std::string, std::string>& m);
std::map<std::string, std::string> DecodeStringMap(std::string_view json);
std::string EncodeStatusReasons(const std::vector<StatusReason>& v);
std::vector<StatusReason> DecodeStatusReasons(std::string_view json);
// True when `updated`'s upsert key collides with one of `others` (same key, other ids) in a way the
// rules forbid: allowed only when every account involved was made with multiple=true.
bool KeyConflicts(const Account& updated, const std::vector<Account>& others);

}  // namespace connecthub
