// The PostgreSQL store: same schema, row codecs and semantics as the SQLite store, made safe for many
// server processes on one database. Every value is a bound parameter; only lists of `$n` placeholders
// are built at run time. Transactions run at READ COMMITTED with explicit locks where a decision is
// made from what was read:
// - CompleteSession locks the session row (FOR UPDATE), then takes a transaction-scoped advisory lock
//   on the upsert key (project, owner id, owner name, provider) before reading the accounts with that
//   key (FOR UPDATE), so completions for one key are serialized across every instance.
// - UpdateAccount locks the account row and, when the key changes, the new key's advisory lock.
// - ClaimDeliveries leases rows with FOR UPDATE SKIP LOCKED, so instances never claim the same one.
// Deadlocks and serialization failures retry the whole transaction (callbacks included) a few times.
#include "store/postgres/pg_store.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "core/connect_session.h"
#include "store/postgres/pg_conn.h"
#include "ops/thread_name.h"

namespace connecthub {
namespace {

using pg::Conn;
using pg::Params;
using pg::Res;
using pg::Row;
using pg::Storable;

// Versioned schema, the PostgreSQL twin of the SQLite one (same tables, columns and meaning; BIGINT
// milliseconds, BOOLEAN flags, JSON lists as TEXT). Never edit a shipped entry; append a new one.
const std::vector<std::string_view> kMigrations = {
    R"sql(
CREATE TABLE organizations (
  id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  organization_id BIGINT NOT NULL REFERENCES organizations(id),
  name TEXT NOT NULL,
  allowed_origins TEXT NOT NULL DEFAULT '[]',
  created_at BIGINT NOT NULL
);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id),
  hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT
);
CREATE INDEX api_keys_project ON api_keys(project_id);
CREATE TABLE integrations (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id),
  provider TEXT NOT NULL,
  enabled BOOLEAN NOT NULL,
  settings TEXT NOT NULL DEFAULT '{}',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (project_id, provider)
);
CREATE TABLE connect_sessions (
  id BIGSERIAL PRIMARY KEY,
  project_id TEXT NOT NULL,
  organization_id BIGINT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  origin_owner_id TEXT NOT NULL,
  origin_owner_name TEXT NOT NULL,
  origin_username TEXT,
  provider TEXT,
  categories TEXT NOT NULL DEFAULT '[]',
  account_id TEXT,
  label TEXT,
  multiple BOOLEAN NOT NULL DEFAULT FALSE,
  metadata TEXT,
  type TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  spent_at BIGINT,
  completed_account_id TEXT
);
CREATE INDEX connect_sessions_expires ON connect_sessions(expires_at);
CREATE TABLE accounts (
  seq BIGSERIAL PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  project_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  integration_id TEXT NOT NULL,
  origin_owner_id TEXT NOT NULL,
  origin_owner_name TEXT NOT NULL,
  origin_username TEXT,
  label TEXT,
  metadata TEXT,
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  status_reasons TEXT NOT NULL DEFAULT '[]',
  multiple BOOLEAN NOT NULL DEFAULT FALSE,
  credentials TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX accounts_project_seq ON accounts(project_id, seq);
CREATE INDEX accounts_owner ON accounts(project_id, origin_owner_id, seq);
CREATE INDEX accounts_provider ON accounts(project_id, provider, seq);
CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id),
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  secret TEXT NOT NULL,
  previous_secret TEXT,
  previous_secret_expires_at BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_project ON webhook_endpoints(project_id);
CREATE TABLE webhook_deliveries (
  id BIGSERIAL PRIMARY KEY,
  message_id TEXT NOT NULL,
  project_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  locked_until BIGINT NOT NULL DEFAULT 0,
  last_status INTEGER,
  last_error TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
CREATE INDEX webhook_deliveries_order ON webhook_deliveries(endpoint_id, account_id, id);
)sql",
};

constexpr int kMaxTxAttempts = 6;

// ---- Row codecs (columns in the same order as the SQLite store) ------------------------------------
#define ACCOUNT_COLS                                                                                         \
  "seq, id, project_id, provider, integration_id, origin_owner_id, origin_owner_name, origin_username, label, " \
  "metadata, type, status, status_reasons, multiple, credentials, created_at, updated_at"

Account ReadAccount(const Row& r) {
  Account a;
  a.seq = r.Int(0);
  a.id = r.Text(1);
  a.project_id = r.Text(2);
  a.provider = r.Text(3);
  a.integration_id = r.Text(4);
  a.origin_owner_id = r.Text(5);
  a.origin_owner_name = r.Text(6);
  a.origin_username = r.OptText(7);
  a.label = r.OptText(8);
  a.metadata_json = r.OptText(9);
  a.type = r.Text(10) == "test" ? AccountType::kTest : AccountType::kProduction;
  a.status = ParseAccountStatus(r.Text(11)).value_or(AccountStatus::kError);
  a.status_reasons = DecodeStatusReasons(r.Text(12));
  a.multiple = r.Bool(13);
  a.credentials_ciphertext = r.Text(14);
  a.created_at = r.Int(15);
  a.updated_at = r.Int(16);
  return a;
}

std::vector<Account> ReadAccounts(const Res& res) {
  std::vector<Account> out;
  out.reserve(static_cast<size_t>(res.rows()));
  for (int i = 0; i < res.rows(); ++i) out.push_back(ReadAccount(res.row(i)));
  return out;
}

#define SESSION_INSERT                                                                                  \
  "INSERT INTO connect_sessions (project_id, organization_id, token_hash, origin_owner_id, origin_owner_name, " \
  "origin_username, provider, categories, account_id, label, multiple, metadata, type, created_at, expires_at) "
#define SESSION_COLS                                                                                            \
  "id, project_id, organization_id, token_hash, origin_owner_id, origin_owner_name, origin_username, provider, " \
  "categories, account_id, label, multiple, metadata, type, created_at, expires_at, spent_at, completed_account_id"

ConnectSession ReadSession(const Row& r) {
  ConnectSession c;
  c.id = r.Int(0);
  c.project_id = r.Text(1);
  c.organization_id = r.Int(2);
  c.token_hash = r.Text(3);
  c.origin_owner_id = r.Text(4);
  c.origin_owner_name = r.Text(5);
  c.origin_username = r.OptText(6);
  c.provider = r.OptText(7);
  c.categories = DecodeStringList(r.Text(8));
  c.account_id = r.OptText(9);
  c.label = r.OptText(10);
  c.multiple = r.Bool(11);
  c.metadata_json = r.OptText(12);
  c.type = r.Text(13) == "test" ? AccountType::kTest : AccountType::kProduction;
  c.created_at = r.Int(14);
  c.expires_at = r.Int(15);
  c.spent_at = r.OptInt(16);
  c.completed_account_id = r.OptText(17);
  return c;
}

#define PROJECT_COLS "id, organization_id, name, allowed_origins, created_at"

Project ReadProject(const Row& r) {
  Project p;
  p.id = r.Text(0);
  p.organization_id = r.Int(1);
  p.name = r.Text(2);
  p.allowed_origins = DecodeStringList(r.Text(3));
  p.created_at = r.Int(4);
  return p;
}

// Webhook event lists are stored as ",a,b," (like SQLite) so that membership is a substring test.
std::string EncodeEvents(const std::vector<std::string>& events) {
  std::string out = ",";
  for (const auto& e : events) out += e + ",";
  return out;
}

std::vector<std::string> DecodeEvents(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 1;
  while (pos < text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) break;
    if (comma > pos) out.push_back(text.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

#define WEBHOOK_COLS "id, project_id, url, events, secret, previous_secret, previous_secret_expires_at, created_at"

WebhookEndpoint ReadWebhook(const Row& r) {
  WebhookEndpoint w;
  w.id = r.Text(0);
  w.project_id = r.Text(1);
  w.url = r.Text(2);
  w.events = DecodeEvents(r.Text(3));
  w.secret_ciphertext = r.Text(4);
  w.previous_secret_ciphertext = r.OptText(5);
  w.previous_secret_expires_at = r.OptInt(6);
  w.created_at = r.Int(7);
  return w;
}

#define DELIVERY_COLS                                                                                     \
  "id, message_id, project_id, endpoint_id, account_id, event_type, payload, status, attempts, next_attempt_at, " \
  "last_status, last_error, created_at, updated_at"

Delivery ReadDelivery(const Row& r) {
  Delivery d;
  d.id = r.Int(0);
  d.message_id = r.Text(1);
  d.project_id = r.Text(2);
  d.endpoint_id = r.Text(3);
  d.account_id = r.Text(4);
  d.event_type = r.Text(5);
  d.payload_json = r.Text(6);
  const std::string st = r.Text(7);
  d.status = st == "delivered" ? DeliveryStatus::kDelivered : st == "failed" ? DeliveryStatus::kFailed : DeliveryStatus::kPending;
  d.attempts = static_cast<int>(r.Int(8));
  d.next_attempt_at = r.Int(9);
  if (auto v = r.OptInt(10)) d.last_status = static_cast<int>(*v);
  d.last_error = r.OptText(11);
  d.created_at = r.Int(12);
  d.updated_at = r.Int(13);
  return d;
}

std::vector<Delivery> ReadDeliveries(const Res& res) {
  std::vector<Delivery> out;
  for (int i = 0; i < res.rows(); ++i) out.push_back(ReadDelivery(res.row(i)));
  return out;
}

bool SameReasons(const std::vector<StatusReason>& a, const std::vector<StatusReason>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].code != b[i].code || a[i].description != b[i].description || a[i].timestamp != b[i].timestamp) return false;
  }
  return true;
}

bool SameRow(const Account& a, const Account& b) {
  return a.provider == b.provider && a.integration_id == b.integration_id && a.origin_owner_id == b.origin_owner_id &&
         a.origin_owner_name == b.origin_owner_name && a.origin_username == b.origin_username && a.label == b.label &&
         a.metadata_json == b.metadata_json && a.type == b.type && a.status == b.status &&
         SameReasons(a.status_reasons, b.status_reasons) && a.multiple == b.multiple &&
         a.credentials_ciphertext == b.credentials_ciphertext;
}

// ---- Statements shared by several operations ---------------------------------------------------------
Result<std::optional<Account>> QueryAccount(Conn& c, std::string_view project_id, std::string_view id, bool lock) {
  if (!Storable(project_id) || !Storable(id)) return std::optional<Account>();
  CH_TRY(Res r, c.Exec(lock ? "SELECT " ACCOUNT_COLS " FROM accounts WHERE project_id = $1 AND id = $2 FOR UPDATE"
                            : "SELECT " ACCOUNT_COLS " FROM accounts WHERE project_id = $1 AND id = $2",
                       Params().Add(project_id).Add(id)));
  if (r.rows() == 0) return std::optional<Account>();
  return std::optional<Account>(ReadAccount(r.row(0)));
}

Result<std::vector<Account>> QueryByKey(Conn& c, std::string_view project_id, std::string_view owner_id,
                                        std::string_view owner_name, std::string_view provider, bool lock) {
  if (!Storable(project_id) || !Storable(owner_id) || !Storable(owner_name) || !Storable(provider)) {
    return std::vector<Account>();
  }
  CH_TRY(Res r, c.Exec(lock ? "SELECT " ACCOUNT_COLS " FROM accounts WHERE project_id = $1 AND origin_owner_id = $2 "
                              "AND origin_owner_name = $3 AND provider = $4 ORDER BY seq FOR UPDATE"
                            : "SELECT " ACCOUNT_COLS " FROM accounts WHERE project_id = $1 AND origin_owner_id = $2 "
                              "AND origin_owner_name = $3 AND provider = $4 ORDER BY seq",
                       Params().Add(project_id).Add(owner_id).Add(owner_name).Add(provider)));
  return ReadAccounts(r);
}

// Serializes, until the transaction ends, every transaction that touches this upsert key, in any
// process. The four parts are length-prefixed so that no two different keys share a text.
Status LockKey(Conn& c, std::string_view project_id, std::string_view owner_id, std::string_view owner_name,
               std::string_view provider) {
  std::string text = "connecthub.account_key";
  for (std::string_view part : {project_id, owner_id, owner_name, provider}) {
    text += '|';
    text += std::to_string(part.size());
    text += ':';
    text += part;
  }
  CH_TRY(Res r, c.Exec("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))", Params().Add(text)));
  (void)r;
  return OkStatus();
}

Status InsertAccount(Conn& c, Account& a) {
  CH_TRY(Res r, c.Exec("INSERT INTO accounts (id, project_id, provider, integration_id, origin_owner_id, "
                       "origin_owner_name, origin_username, label, metadata, type, status, status_reasons, multiple, "
                       "credentials, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16) "
                       "RETURNING seq",
                       Params()
                           .Add(a.id).Add(a.project_id).Add(a.provider).Add(a.integration_id).Add(a.origin_owner_id)
                           .Add(a.origin_owner_name).Add(a.origin_username).Add(a.label).Add(a.metadata_json)
                           .Add(AccountTypeName(a.type)).Add(AccountStatusName(a.status))
                           .Add(EncodeStatusReasons(a.status_reasons)).Bool(a.multiple).Add(a.credentials_ciphertext)
                           .Add(a.created_at).Add(a.updated_at)));
  if (r.rows() != 1) return Internal("insert returned no sequence number");
  a.seq = r.row(0).Int(0);
  return OkStatus();
}

Status WriteAccount(Conn& c, const Account& a) {
  CH_TRY(Res r, c.Exec("UPDATE accounts SET provider = $1, integration_id = $2, origin_owner_id = $3, "
                       "origin_owner_name = $4, origin_username = $5, label = $6, metadata = $7, type = $8, status = $9, "
                       "status_reasons = $10, multiple = $11, credentials = $12, updated_at = $13 "
                       "WHERE project_id = $14 AND id = $15",
                       Params()
                           .Add(a.provider).Add(a.integration_id).Add(a.origin_owner_id).Add(a.origin_owner_name)
                           .Add(a.origin_username).Add(a.label).Add(a.metadata_json).Add(AccountTypeName(a.type))
                           .Add(AccountStatusName(a.status)).Add(EncodeStatusReasons(a.status_reasons)).Bool(a.multiple)
                           .Add(a.credentials_ciphertext).Add(a.updated_at).Add(a.project_id).Add(a.id)));
  if (r.affected() != 1) return NotFound("account not found");
  return OkStatus();
}

// The outbox: one pending delivery per endpoint of the project that wants this event type.
// Queues the event for every endpoint of the project that wants it; `queued` (if given) gets how many.
Status InsertEvent(Conn& c, const std::optional<OutboxEvent>& e, int64_t* queued = nullptr) {
  if (!e) return OkStatus();
  CH_TRY(Res r, c.Exec("INSERT INTO webhook_deliveries (message_id, project_id, endpoint_id, account_id, event_type, "
                       "payload, status, attempts, next_attempt_at, created_at, updated_at) "
                       "SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), $1::text, id, $2::text, $3::text, "
                       "$4::text, 'pending', 0, $5::bigint, $5::bigint, $5::bigint "
                       "FROM webhook_endpoints WHERE project_id = $1::text AND strpos(events, ',' || $3::text || ',') > 0",
                       Params().Add(e->project_id).Add(e->account_id).Add(e->type).Add(e->payload_json).Add(e->created_at)));
  if (queued) *queued = r.affected();
  return OkStatus();
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// PostgreSQL array literals ({"a","b",NULL}) for inserting many rows with one unnest() statement.
class ArrayLiteral {
 public:
  void Add(const std::optional<std::string>& v) {
    Sep();
    if (!v) {
      out_ += "NULL";
      return;
    }
    out_ += '"';
    for (char c : *v) {
      if (c == '"' || c == '\\') out_ += '\\';
      out_ += c;
    }
    out_ += '"';
  }
  void Add(int64_t v) {
    Sep();
    out_ += std::to_string(v);
  }
  void Bool(bool v) {
    Sep();
    out_ += v ? "t" : "f";
  }
  std::string Done() { return out_ + "}"; }

 private:
  void Sep() { out_ += out_.size() > 1 ? "," : ""; }
  std::string out_ = "{";
};

bool SessionStorable(const ConnectSession& s) {
  for (const std::string* v : {&s.project_id, &s.token_hash, &s.origin_owner_id, &s.origin_owner_name}) {
    if (!Storable(*v)) return false;
  }
  for (const auto* v : {&s.origin_username, &s.provider, &s.account_id, &s.label, &s.metadata_json}) {
    if (*v && !Storable(**v)) return false;
  }
  for (const auto& c : s.categories) {
    if (!Storable(c)) return false;
  }
  return true;
}

class PgStore final : public Store {
 public:
  explicit PgStore(pg::ParsedUrl url)
      : redacted_(url.redacted), pool_(std::move(url.params), url.pool_size, std::chrono::seconds(10)) {}

  ~PgStore() override {
    {
      std::lock_guard lk(batch_mu_);
      batch_stop_ = true;
    }
    batch_cv_.notify_all();
    if (batch_thread_.joinable()) batch_thread_.join();  // after it has answered what was queued
  }

  const std::string& redacted_url() const { return redacted_; }

  Result<int> Migrate() override {
    int applied = 0;
    CH_TRY_STATUS(Tx([&](Conn& c) -> Status {
      applied = 0;
      // One process at a time: the others wait here, then find every version already applied.
      CH_TRY(Res lock, c.Exec("SELECT pg_advisory_xact_lock(hashtextextended('connecthub.schema_migrations', 0))"));
      (void)lock;
      CH_TRY(Res t, c.ExecScript("SET LOCAL client_min_messages = warning; "
                                 "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
                                 "applied_at BIGINT NOT NULL)"));
      (void)t;
      CH_TRY(Res done, c.Exec("SELECT version FROM schema_migrations"));
      std::set<int64_t> have;
      for (int i = 0; i < done.rows(); ++i) have.insert(done.row(i).Int(0));
      for (size_t i = 0; i < kMigrations.size(); ++i) {
        const int64_t version = static_cast<int64_t>(i) + 1;
        if (have.count(version)) continue;
        CH_TRY(Res m, c.ExecScript(kMigrations[i]));
        (void)m;
        CH_TRY(Res ins, c.Exec("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                               Params().Add(version).Add(NowMs())));
        (void)ins;
        ++applied;
      }
      return OkStatus();
    }));
    return applied;
  }

  Status Ping() override {
    auto r = Read<bool>([](Conn& c) -> Result<bool> {
      CH_TRY(Res r, c.Exec("SELECT 1"));
      return r.rows() == 1;
    });
    if (!r.ok()) return Unavailable("database does not answer: " + r.error().message);
    return OkStatus();
  }

  std::vector<PoolUse> PoolUsage() override {
    auto u = pool_.Usage();
    return {PoolUse{"postgres", pool_.size(), u.open, u.in_use, u.waiting}};
  }

  // --- Tenancy -----------------------------------------------------------------------------------
  Result<Organization> CreateOrganization(std::string_view name, TimeMs now) override {
    Organization o{0, std::string(name), now};
    CH_TRY_STATUS(Tx([&](Conn& c) -> Status {
      CH_TRY(Res r, c.Exec("INSERT INTO organizations (name, created_at) VALUES ($1, $2) RETURNING id",
                           Params().Add(o.name).Add(now)));
      o.id = r.row(0).Int(0);
      return OkStatus();
    }));
    return o;
  }

  Result<Project> CreateProject(const Project& p) override {
    CH_TRY_STATUS(Tx([&](Conn& c) -> Status {
      CH_TRY(Res r, c.Exec("INSERT INTO projects (id, organization_id, name, allowed_origins, created_at) VALUES ($1,$2,$3,$4,$5)",
                           Params().Add(p.id).Add(p.organization_id).Add(p.name).Add(EncodeStringList(p.allowed_origins))
                               .Add(p.created_at)));
      (void)r;
      return OkStatus();
    }));
    return p;
  }

  Result<Project> FindProject(std::string_view id) override {
    if (!Storable(id)) return NotFound("project not found");
    return Read<Project>([&](Conn& c) -> Result<Project> {
      CH_TRY(Res r, c.Exec("SELECT " PROJECT_COLS " FROM projects WHERE id = $1", Params().Add(id)));
      if (r.rows() == 0) return NotFound("project not found");
      return ReadProject(r.row(0));
    });
  }

  Result<std::vector<Project>> ListProjects() override {
    return Read<std::vector<Project>>([&](Conn& c) -> Result<std::vector<Project>> {
      CH_TRY(Res r, c.Exec("SELECT " PROJECT_COLS " FROM projects ORDER BY created_at, id COLLATE \"C\""));
      std::vector<Project> out;
      for (int i = 0; i < r.rows(); ++i) out.push_back(ReadProject(r.row(i)));
      return out;
    });
  }

  Status SetAllowedOrigins(std::string_view project_id, const std::vector<std::string>& origins) override {
    if (!Storable(project_id)) return NotFound("project not found");
    return Tx([&](Conn& c) -> Status {
      CH_TRY(Res r, c.Exec("UPDATE projects SET allowed_origins = $1 WHERE id = $2",
                           Params().Add(EncodeStringList(origins)).Add(project_id)));
      return r.affected() == 1 ? OkStatus() : Status(NotFound("project not found"));
    });
  }

  Status CreateApiKey(const ApiKey& k) override {
    return Tx([&](Conn& c) -> Status {
      CH_TRY(Res r, c.Exec("INSERT INTO api_keys (id, project_id, hash, prefix, created_at) VALUES ($1,$2,$3,$4,$5)",
                           Params().Add(k.id).Add(k.project_id).Add(k.hash).Add(k.prefix).Add(k.created_at)));
      (void)r;
      return OkStatus();
    });
  }

  Status RevokeApiKey(std::string_view project_id, std::string_view key_id, TimeMs now) override {
    if (!Storable(project_id) || !Storable(key_id)) return NotFound("API key not found or already revoked");
    return Tx([&](Conn& c) -> Status {
      CH_TRY(Res r, c.Exec("UPDATE api_keys SET revoked_at = $1 WHERE project_id = $2 AND id = $3 AND revoked_at IS NULL",
                           Params().Add(now).Add(project_id).Add(key_id)));
      return r.affected() == 1 ? OkStatus() : Status(NotFound("API key not found or already revoked"));
    });
  }

  Result<std::vector<ApiKey>> ListApiKeys(std::string_view project_id) override {
    if (!Storable(project_id)) return std::vector<ApiKey>();
    return Read<std::vector<ApiKey>>([&](Conn& c) -> Result<std::vector<ApiKey>> {
      CH_TRY(Res r, c.Exec("SELECT id, project_id, hash, prefix, created_at, revoked_at FROM api_keys WHERE project_id = $1 "
                           "ORDER BY created_at, id COLLATE \"C\"",
                           Params().Add(project_id)));
      std::vector<ApiKey> out;
      for (int i = 0; i < r.rows(); ++i) {
        Row w = r.row(i);
        out.push_back(ApiKey{w.Text(0), w.Text(1), w.Text(2), w.Text(3), w.Int(4), w.OptInt(5)});
      }
      return out;
    });
  }

  Result<Project> FindProjectByApiKeyHash(std::string_view hash) override {
    if (!Storable(hash)) return NotFound("no such API key");
    return Read<Project>([&](Conn& c) -> Result<Project> {
      CH_TRY(Res r, c.Exec("SELECT p.id, p.organization_id, p.name, p.allowed_origins, p.created_at FROM api_keys k "
                           "JOIN projects p ON p.id = k.project_id WHERE k.hash = $1 AND k.revoked_at IS NULL",
                           Params().Add(hash)));
      if (r.rows() == 0) return NotFound("no such API key");
      return ReadProject(r.row(0));
    });
  }

  // --- Integrations ------------------------------------------------------------------------------
  Result<Integration> PutIntegration(const Integration& in) override {
    Integration out = in;
    CH_TRY_STATUS(Tx([&](Conn& c) -> Status {
      CH_TRY(Res r, c.Exec("INSERT INTO integrations (id, project_id, provider, enabled, settings, created_at, updated_at) "
                           "VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (project_id, provider) DO UPDATE SET "
                           "enabled = excluded.enabled, settings = excluded.settings, updated_at = excluded.updated_at "
                           "RETURNING id, created_at",
                           Params().Add(in.id).Add(in.project_id).Add(in.provider).Bool(in.enabled)
                               .Add(EncodeStringMap(in.settings)).Add(in.created_at).Add(in.updated_at)));
      if (r.rows() != 1) return Internal("upsert returned nothing");
      out.id = r.row(0).Text(0);
      out.created_at = r.row(0).Int(1);
      return OkStatus();
    }));
    return out;
  }

  Result<std::vector<Integration>> ListIntegrations(std::string_view project_id) override {
    if (!Storable(project_id)) return std::vector<Integration>();
    return Read<std::vector<Integration>>([&](Conn& c) -> Result<std::vector<Integration>> {
      CH_TRY(Res r, c.Exec("SELECT id, project_id, provider, enabled, settings, created_at, updated_at FROM integrations "
                           "WHERE project_id = $1 ORDER BY provider COLLATE \"C\"",
                           Params().Add(project_id)));
      std::vector<Integration> out;
      for (int i = 0; i < r.rows(); ++i) {
        Row w = r.row(i);
        out.push_back(Integration{w.Text(0), w.Text(1), w.Text(2), w.Bool(3), DecodeStringMap(w.Text(4)), w.Int(5), w.Int(6)});
      }
      return out;
    });
  }

  // --- Connect sessions --------------------------------------------------------------------------
  Result<ConnectSession> CreateSession(const ConnectSession& in) override {
    ConnectSession out = in;
    // One statement in autocommit: one round trip instead of BEGIN, INSERT, COMMIT.
    CH_TRY(Res r, Autocommit(SESSION_INSERT "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15) RETURNING id",
                             Params()
                                 .Add(in.project_id).Add(in.organization_id).Add(in.token_hash).Add(in.origin_owner_id)
                                 .Add(in.origin_owner_name).Add(in.origin_username).Add(in.provider)
                                 .Add(EncodeStringList(in.categories)).Add(in.account_id).Add(in.label).Bool(in.multiple)
                                 .Add(in.metadata_json).Add(AccountTypeName(in.type)).Add(in.created_at).Add(in.expires_at)));
    if (r.rows() != 1) return Internal("insert returned no id");
    out.id = r.row(0).Int(0);
    return out;
  }

  bool HasAsyncSessionWrites() const override { return true; }

  // Sessions queued here are inserted by one thread, as many per statement as have arrived while the
  // previous statement ran (group commit, as the SQLite writer does): one commit, and one fsync, for
  // a burst of sessions instead of one each.
  bool CreateSessionAsync(const ConnectSession& in, SessionDone done) override {
    if (!SessionStorable(in)) return false;  // CreateSession answers those with the exact error
    {
      std::lock_guard lk(batch_mu_);
      if (batch_stop_) return false;
      if (!batch_thread_.joinable()) batch_thread_ = std::thread([this] {
        ops::NameThisThread("pg-inserter");
        BatchLoop();
      });
      batch_queue_.push_back(PendingSession{in, std::move(done)});
    }
    batch_cv_.notify_one();
    return true;
  }

  Result<ConnectSession> FindSessionByTokenHash(std::string_view token_hash) override {
    if (!Storable(token_hash)) return NotFound("no such session");
    return Read<ConnectSession>([&](Conn& c) -> Result<ConnectSession> {
      CH_TRY(Res r, c.Exec("SELECT " SESSION_COLS " FROM connect_sessions WHERE token_hash = $1", Params().Add(token_hash)));
      if (r.rows() == 0) return NotFound("no such session");
      return ReadSession(r.row(0));
    });
  }

  Result<int64_t> DeleteExpiredSessions(TimeMs before) override {
    int64_t n = 0;
    CH_TRY_STATUS(Tx([&](Conn& c) -> Status {
      CH_TRY(Res r, c.Exec("DELETE FROM connect_sessions WHERE expires_at < $1", Params().Add(before)));
      n = r.affected();
      return OkStatus();
    }));
    return n;
  }

  // --- Accounts ----------------------------------------------------------------------------------
  Result<Account> FindAccount(std::string_view project_id, std::string_view account_id) override {
    return Read<Account>([&](Conn& c) -> Result<Account> {
      CH_TRY(auto a, QueryAccount(c, project_id, account_id, false));
      if (!a) return NotFound("account not found");
      return std::move(*a);
    });
  }

  Result<std::vector<Account>> FindAccountsByKey(std::string_view project_id, std::string_view owner_id,
                                                 std::string_view owner_name, std::string_view provider) override {
    return Read<std::vector<Account>>(
        [&](Conn& c) { return QueryByKey(c, project_id, owner_id, owner_name, provider, false); });
  }

  Result<std::vector<Account>> ListAccounts(const AccountFilter& f) override {
    if (!Storable(f.project_id)) return std::vector<Account>();
    // Only placeholders are added to the SQL text; every value is bound. A value PostgreSQL cannot
    // hold as text matches no row, so it is left out (and a list left empty matches nothing).
    Params params;
    params.Add(f.project_id);
    std::string sql = "SELECT " ACCOUNT_COLS " FROM accounts WHERE project_id = $1";
    bool impossible = false;
    auto in_list = [&](const char* col, const std::vector<std::string>& values) {
      if (values.empty()) return;
      std::string list;
      for (const auto& v : values) {
        if (!Storable(v)) continue;
        params.Add(v);
        list += (list.empty() ? "$" : ",$") + std::to_string(params.size());
      }
      if (list.empty()) {
        impossible = true;
        return;
      }
      sql += std::string(" AND ") + col + " IN (" + list + ")";
    };
    in_list("provider", f.providers);
    in_list("origin_owner_id", f.owner_ids);
    in_list("id", f.account_ids);
    std::vector<std::string> statuses;
    for (auto s : f.statuses) statuses.emplace_back(AccountStatusName(s));
    in_list("status", statuses);
    if (impossible || f.page_size == 0) return std::vector<Account>();
    // As in SQLite: a negative limit means no limit, a negative offset counts as 0.
    if (f.page_size > 0) {
      params.Add(f.page_size);
    } else {
      params.Null();
    }
    sql += " ORDER BY seq LIMIT $" + std::to_string(params.size()) + "::bigint";
    params.Add(std::max<int64_t>(0, (f.page - 1) * f.page_size));
    sql += " OFFSET $" + std::to_string(params.size()) + "::bigint";
    return Read<std::vector<Account>>([&](Conn& c) -> Result<std::vector<Account>> {
      CH_TRY(Res r, c.ExecOnce(sql, params));
      return ReadAccounts(r);
    });
  }

  Result<Completion> CompleteSession(int64_t session_id, std::string_view provider, TimeMs now, const DecideFn& decide,
                                     const EventFn& event) override {
    Completion result;
    CH_TRY_STATUS(Tx([&](Conn& c) -> Status {
      // The session row lock makes a second completion with the same token wait, then see it spent.
      CH_TRY(Res s, c.Exec("SELECT " SESSION_COLS " FROM connect_sessions WHERE id = $1 FOR UPDATE", Params().Add(session_id)));
      if (s.rows() == 0) return Unauthenticated("This link is no longer valid. Ask for a new one.");
      ConnectSession session = ReadSession(s.row(0));
      CH_TRY_STATUS(CheckSessionUsable(session, now));
      // Every completion for this key, on any instance, waits here until the previous one committed,
      // so the read below sees its account.
      CH_TRY_STATUS(LockKey(c, session.project_id, session.origin_owner_id, session.origin_owner_name, provider));
      CH_TRY(auto existing,
             QueryByKey(c, session.project_id, session.origin_owner_id, session.origin_owner_name, provider, true));
      std::optional<Account> session_account;
      if (session.account_id) {
        CH_TRY(session_account, QueryAccount(c, session.project_id, *session.account_id, true));
      }
      CompletionContext ctx{session, existing, session_account ? &*session_account : nullptr};
      CH_TRY(AccountWrite w, decide(ctx));
      if (w.create) {
        CH_TRY_STATUS(InsertAccount(c, w.account));
      } else {
        CH_TRY_STATUS(WriteAccount(c, w.account));
      }
      CH_TRY(Res spend, c.Exec("UPDATE connect_sessions SET spent_at = $1, completed_account_id = $2 "
                               "WHERE id = $3 AND spent_at IS NULL",
                               Params().Add(now).Add(w.account.id).Add(session_id)));
      if (spend.affected() != 1) return Unauthenticated("This link has already been used. Ask for a new one.");
      CH_TRY_STATUS(InsertEvent(c, event(w.account, w.create), &result.deliveries));
      result.account = std::move(w.account);
      result.created = w.create;
      return OkStatus();
    }));
    return result;
  }

  Result<Account> UpdateAccount(std::string_view project_id, std::string_view account_id, const MutateFn& mutate,
                                const EventFn& event) override {
    Account out;
    CH_TRY_STATUS(Tx([&](Conn& c) -> Status {
      CH_TRY(auto current, QueryAccount(c, project_id, account_id, true));
      if (!current) return NotFound("account not found");
      CH_TRY(Account updated, mutate(*current));
      updated.id = current->id;
      updated.project_id = current->project_id;
      updated.seq = current->seq;
      updated.created_at = current->created_at;
      if (SameRow(*current, updated)) {
        out = std::move(*current);
        return OkStatus();
      }
      if (updated.origin_owner_id != current->origin_owner_id || updated.origin_owner_name != current->origin_owner_name ||
          updated.provider != current->provider) {
        // Serialized with completions (and other updates) that write the new key.
        CH_TRY_STATUS(LockKey(c, project_id, updated.origin_owner_id, updated.origin_owner_name, updated.provider));
        CH_TRY(auto others, QueryByKey(c, project_id, updated.origin_owner_id, updated.origin_owner_name, updated.provider, false));
        if (KeyConflicts(updated, others)) {
          return Conflict("Another account already has this origin_owner_id, origin_owner_name and provider");
        }
      }
      CH_TRY_STATUS(WriteAccount(c, updated));
      CH_TRY_STATUS(InsertEvent(c, event(updated, false)));
      out = std::move(updated);
      return OkStatus();
    }));
    return out;
  }

  Result<Account> DeleteAccount(std::string_view project_id, std::string_view account_id, const EventFn& event) override {
    if (!Storable(project_id) || !Storable(account_id)) return NotFound("account not found");
    Account out;
    CH_TRY_STATUS(Tx([&](Conn& c) -> Status {
      CH_TRY(Res r, c.Exec("DELETE FROM accounts WHERE project_id = $1 AND id = $2 RETURNING " ACCOUNT_COLS,
                           Params().Add(project_id).Add(account_id)));
      if (r.rows() == 0) return NotFound("account not found");
      Account current = ReadAccount(r.row(0));
      CH_TRY_STATUS(InsertEvent(c, event(current, false)));
      out = std::move(current);
      return OkStatus();
    }));
    return out;
  }

  // --- Webhooks ----------------------------------------------------------------------------------
  Status CreateWebhook(const WebhookEndpoint& w) override {
    return Tx([&](Conn& c) -> Status {
      CH_TRY(Res r, c.Exec("INSERT INTO webhook_endpoints (" WEBHOOK_COLS ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
                           Params().Add(w.id).Add(w.project_id).Add(w.url).Add(EncodeEvents(w.events))
                               .Add(w.secret_ciphertext).Add(w.previous_secret_ciphertext).Add(w.previous_secret_expires_at)
                               .Add(w.created_at)));
      (void)r;
      return OkStatus();
    });
  }

  Result<std::vector<WebhookEndpoint>> ListWebhooks(std::string_view project_id) override {
    if (!Storable(project_id)) return std::vector<WebhookEndpoint>();
    return Read<std::vector<WebhookEndpoint>>([&](Conn& c) -> Result<std::vector<WebhookEndpoint>> {
      CH_TRY(Res r, c.Exec("SELECT " WEBHOOK_COLS " FROM webhook_endpoints WHERE project_id = $1 "
                           "ORDER BY created_at, id COLLATE \"C\"",
                           Params().Add(project_id)));
      std::vector<WebhookEndpoint> out;
      for (int i = 0; i < r.rows(); ++i) out.push_back(ReadWebhook(r.row(i)));
      return out;
    });
  }

  Result<WebhookEndpoint> FindWebhook(std::string_view id) override {
    if (!Storable(id)) return NotFound("webhook endpoint not found");
    return Read<WebhookEndpoint>([&](Conn& c) -> Result<WebhookEndpoint> {
      CH_TRY(Res r, c.Exec("SELECT " WEBHOOK_COLS " FROM webhook_endpoints WHERE id = $1", Params().Add(id)));
      if (r.rows() == 0) return NotFound("webhook endpoint not found");
      return ReadWebhook(r.row(0));
    });
  }

  Status DeleteWebhook(std::string_view project_id, std::string_view id) override {
    if (!Storable(project_id) || !Storable(id)) return NotFound("webhook endpoint not found");
    return Tx([&](Conn& c) -> Status {
      CH_TRY(Res r, c.Exec("DELETE FROM webhook_endpoints WHERE project_id = $1 AND id = $2", Params().Add(project_id).Add(id)));
      if (r.affected() != 1) return NotFound("webhook endpoint not found");
      // Same as the SQLite store: the endpoint's deliveries go with it (its history means nothing without it).
      CH_TRY(Res d, c.Exec("DELETE FROM webhook_deliveries WHERE endpoint_id = $1", Params().Add(id)));
      (void)d;
      return OkStatus();
    });
  }

  Status UpdateWebhookSecrets(std::string_view project_id, std::string_view id, std::string_view secret_ciphertext,
                              const std::optional<std::string>& previous_ciphertext,
                              std::optional<TimeMs> previous_expires_at) override {
    if (!Storable(project_id) || !Storable(id)) return NotFound("webhook endpoint not found");
    return Tx([&](Conn& c) -> Status {
      CH_TRY(Res r, c.Exec("UPDATE webhook_endpoints SET secret = $1, previous_secret = $2, previous_secret_expires_at = $3 "
                           "WHERE project_id = $4 AND id = $5",
                           Params().Add(secret_ciphertext).Add(previous_ciphertext).Add(previous_expires_at)
                               .Add(project_id).Add(id)));
      return r.affected() == 1 ? OkStatus() : Status(NotFound("webhook endpoint not found"));
    });
  }

  Result<std::vector<Delivery>> ClaimDeliveries(TimeMs now, int limit, TimeMs lease_until) override {
    std::vector<Delivery> out;
    if (limit <= 0) return out;
    CH_TRY_STATUS(Tx([&](Conn& c) -> Status {
      // SKIP LOCKED: rows another instance is leasing right now are passed over, not waited for; a
      // row leased and committed meanwhile fails the locked_until test when re-checked.
      CH_TRY(Res r, c.Exec("WITH due AS (SELECT d.id FROM webhook_deliveries d WHERE d.status = 'pending' "
                           "AND d.next_attempt_at <= $1 AND d.locked_until <= $1 AND NOT EXISTS ("
                           "SELECT 1 FROM webhook_deliveries e WHERE e.endpoint_id = d.endpoint_id "
                           "AND e.account_id = d.account_id AND e.status = 'pending' AND e.id < d.id) "
                           "ORDER BY d.id LIMIT $2 FOR UPDATE OF d SKIP LOCKED) "
                           "UPDATE webhook_deliveries w SET locked_until = $3 FROM due WHERE w.id = due.id "
                           "RETURNING w.id, w.message_id, w.project_id, w.endpoint_id, w.account_id, w.event_type, "
                           "w.payload, w.status, w.attempts, w.next_attempt_at, w.last_status, w.last_error, "
                           "w.created_at, w.updated_at",
                           Params().Add(now).Add(int64_t{limit}).Add(lease_until)));
      out = ReadDeliveries(r);
      std::sort(out.begin(), out.end(), [](const Delivery& a, const Delivery& b) { return a.id < b.id; });
      return OkStatus();
    }));
    return out;
  }

  Status FinishDelivery(int64_t delivery_id, const DeliveryOutcome& o) override {
    return Tx([&](Conn& c) -> Status {
      CH_TRY(Res r, c.Exec("UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, next_attempt_at = $2, "
                           "last_status = $3, last_error = $4, locked_until = 0, updated_at = $5 WHERE id = $6",
                           Params().Add(DeliveryStatusName(o.status)).Add(o.next_attempt_at)
                               .Add(o.http_status ? std::optional<int64_t>(*o.http_status) : std::nullopt)
                               .Add(o.error).Add(o.now).Add(delivery_id)));
      (void)r;
      return OkStatus();
    });
  }

  Result<std::vector<Delivery>> ListDeliveries(std::string_view project_id, std::string_view endpoint_id, int limit) override {
    if (!Storable(project_id) || !Storable(endpoint_id) || limit == 0) return std::vector<Delivery>();
    return Read<std::vector<Delivery>>([&](Conn& c) -> Result<std::vector<Delivery>> {
      Params p;
      p.Add(project_id).Add(endpoint_id);
      if (limit > 0) {
        p.Add(int64_t{limit});
      } else {
        p.Null();
      }
      CH_TRY(Res r, c.Exec("SELECT " DELIVERY_COLS " FROM webhook_deliveries WHERE project_id = $1 AND endpoint_id = $2 "
                           "ORDER BY id DESC LIMIT $3::bigint",
                           p));
      return ReadDeliveries(r);
    });
  }

  // --- Key rotation ------------------------------------------------------------------------------
  Result<std::vector<Account>> ScanAccounts(int64_t after_seq, int limit) override {
    if (limit == 0) return std::vector<Account>();
    return Read<std::vector<Account>>([&](Conn& c) -> Result<std::vector<Account>> {
      Params p;
      p.Add(after_seq);
      if (limit > 0) {
        p.Add(int64_t{limit});
      } else {
        p.Null();
      }
      CH_TRY(Res r, c.Exec("SELECT " ACCOUNT_COLS " FROM accounts WHERE seq > $1 ORDER BY seq LIMIT $2::bigint", p));
      return ReadAccounts(r);
    });
  }

  Result<bool> ReplaceCiphertext(std::string_view account_id, std::string_view expected, std::string_view replacement) override {
    if (!Storable(account_id) || !Storable(expected)) return false;
    bool swapped = false;
    CH_TRY_STATUS(Tx([&](Conn& c) -> Status {
      CH_TRY(Res r, c.Exec("UPDATE accounts SET credentials = $1 WHERE id = $2 AND credentials = $3",
                           Params().Add(replacement).Add(account_id).Add(expected)));
      swapped = r.affected() == 1;
      return OkStatus();
    }));
    return swapped;
  }

 private:
  template <typename R, typename Fn>
  static R Guarded(Fn&& fn, Conn& c) {
    try {
      return fn(c);
    } catch (const std::exception& e) {
      return Internal(std::string("store operation failed: ") + e.what());
    }
  }

  // One write statement in autocommit. Not retried on a dead connection: it may have committed
  // before the connection broke.
  Result<Res> Autocommit(std::string_view sql, const Params& params) {
    CH_TRY(auto lease, pool_.Acquire());
    lease->ClearFlags();
    return Guarded<Result<Res>>([&](Conn& c) { return c.Exec(sql, params); }, *lease);
  }

  // One statement (or a few) in autocommit. Reads are idempotent, so a pooled connection found dead
  // (the server restarted since its last use) is replaced and the read retried once.
  template <typename T, typename Fn>
  Result<T> Read(Fn&& fn) {
    for (int attempt = 0;; ++attempt) {
      CH_TRY(auto lease, pool_.Acquire());
      lease->ClearFlags();
      Result<T> r = Guarded<Result<T>>(fn, *lease);
      if (!r.ok() && lease->broken() && lease.reused() && attempt == 0) continue;
      return r;
    }
  }

  // Runs `fn` in one transaction: all of it commits or none. A deadlock or serialization failure
  // reruns the whole of it (callbacks too) after a short random pause; so does a pooled connection
  // found dead at BEGIN, when nothing has been sent yet.
  Status Tx(const std::function<Status(Conn&)>& fn) {
    for (int attempt = 1;; ++attempt) {
      CH_TRY(auto lease, pool_.Acquire());
      Conn& c = *lease;
      c.ClearFlags();
      auto begin = c.ExecScript("BEGIN");
      if (!begin.ok()) {
        if (c.broken() && lease.reused() && attempt < kMaxTxAttempts) continue;
        return begin.error();
      }
      Status st = Guarded<Status>(fn, c);
      if (st.ok()) {
        auto commit = c.ExecScript("COMMIT");
        if (commit.ok() && c.last_command_status == "COMMIT") return OkStatus();
        // COMMIT of a transaction that had failed answers ROLLBACK: a statement error was swallowed.
        st = commit.ok() ? Status(Internal("the transaction was rolled back")) : Status(commit.error());
      } else if (!c.broken()) {
        (void)c.ExecScript("ROLLBACK");
      }
      if (c.retryable() && !c.broken() && attempt < kMaxTxAttempts) {
        thread_local std::mt19937 rng{std::random_device{}()};
        std::uniform_int_distribution<int> pause_ms(1, 5 * attempt);
        std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
        continue;
      }
      return st;
    }
  }

  struct PendingSession {
    ConnectSession session;
    SessionDone done;
  };
  static constexpr size_t kMaxSessionBatch = 256;

  void BatchLoop() {
    std::vector<PendingSession> batch;
    for (;;) {
      {
        std::unique_lock lk(batch_mu_);
        batch_cv_.wait(lk, [&] { return batch_stop_ || !batch_queue_.empty(); });
        if (batch_queue_.empty() && batch_stop_) return;
        while (!batch_queue_.empty() && batch.size() < kMaxSessionBatch) {
          batch.push_back(std::move(batch_queue_.front()));
          batch_queue_.pop_front();
        }
      }
      Status st = InsertSessions(batch);
      if (!st.ok() && batch.size() > 1) {
        // One row's failure (a duplicate token hash, say) must not fail the others: one by one.
        for (auto& p : batch) p.done(CreateSession(p.session));
      } else {
        for (auto& p : batch) {
          if (st.ok()) p.done(std::move(p.session));
          else p.done(st.error());
        }
      }
      batch.clear();
    }
  }

  // One INSERT ... SELECT FROM unnest(arrays) for the whole batch, in autocommit; fills in the ids.
  Status InsertSessions(std::vector<PendingSession>& batch) {
    ArrayLiteral cols[15];
    for (const auto& p : batch) {
      const ConnectSession& s = p.session;
      cols[0].Add(s.project_id);
      cols[1].Add(s.organization_id);
      cols[2].Add(s.token_hash);
      cols[3].Add(s.origin_owner_id);
      cols[4].Add(s.origin_owner_name);
      cols[5].Add(s.origin_username);
      cols[6].Add(s.provider);
      cols[7].Add(EncodeStringList(s.categories));
      cols[8].Add(s.account_id);
      cols[9].Add(s.label);
      cols[10].Bool(s.multiple);
      cols[11].Add(s.metadata_json);
      cols[12].Add(std::string(AccountTypeName(s.type)));
      cols[13].Add(s.created_at);
      cols[14].Add(s.expires_at);
    }
    Params params;
    for (auto& c : cols) params.Add(c.Done());
    CH_TRY(Res r, Autocommit(SESSION_INSERT
                             "SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], "
                             "$6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::boolean[], $12::text[], "
                             "$13::text[], $14::bigint[], $15::bigint[]) RETURNING id, token_hash",
                             params));
    if (r.rows() != static_cast<int>(batch.size())) return Internal("batch insert returned too few ids");
    std::unordered_map<std::string, int64_t> ids;
    for (int i = 0; i < r.rows(); ++i) ids.emplace(r.row(i).Text(1), r.row(i).Int(0));
    for (auto& p : batch) {
      auto it = ids.find(p.session.token_hash);
      if (it == ids.end()) return Internal("batch insert lost a row");
      p.session.id = it->second;
    }
    return OkStatus();
  }

  std::string redacted_;
  pg::Pool pool_;
  std::mutex batch_mu_;
  std::condition_variable batch_cv_;
  std::deque<PendingSession> batch_queue_;
  bool batch_stop_ = false;
  std::thread batch_thread_;  // started by the first queued session
};

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(std::string_view url) {
  CH_TRY(pg::ParsedUrl parsed, pg::ParseUrl(url));
  auto store = std::make_unique<PgStore>(std::move(parsed));
  CH_TRY(int applied, store->Migrate());
  if (applied > 0) spdlog::info("store: applied {} migration(s) to {}", applied, store->redacted_url());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace connecthub
