#include "store/sqlite/sqlite_store.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include "core/connect_session.h"
#include "store/sqlite/sqlite_db.h"
#include "ops/thread_name.h"

namespace connecthub {
namespace {

using sqlite::Db;
using sqlite::Stmt;

// Versioned schema. Never edit a shipped entry; append a new one.
const std::vector<std::string_view> kMigrations = {
    R"sql(
CREATE TABLE organizations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  organization_id INTEGER NOT NULL REFERENCES organizations(id),
  name TEXT NOT NULL,
  allowed_origins TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL
);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id),
  hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX api_keys_project ON api_keys(project_id);
CREATE TABLE integrations (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id),
  provider TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  settings TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (project_id, provider)
);
CREATE TABLE connect_sessions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  organization_id INTEGER NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  origin_owner_id TEXT NOT NULL,
  origin_owner_name TEXT NOT NULL,
  origin_username TEXT,
  provider TEXT,
  categories TEXT NOT NULL DEFAULT '[]',
  account_id TEXT,
  label TEXT,
  multiple INTEGER NOT NULL DEFAULT 0,
  metadata TEXT,
  type TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  spent_at INTEGER,
  completed_account_id TEXT
);
CREATE INDEX connect_sessions_expires ON connect_sessions(expires_at);
CREATE TABLE accounts (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
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
  multiple INTEGER NOT NULL DEFAULT 0,
  credentials TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
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
  previous_secret_expires_at INTEGER,
  created_at INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_project ON webhook_endpoints(project_id);
CREATE TABLE webhook_deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id TEXT NOT NULL,
  project_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  locked_until INTEGER NOT NULL DEFAULT 0,
  last_status INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
CREATE INDEX webhook_deliveries_order ON webhook_deliveries(endpoint_id, account_id, id);
)sql",
};

constexpr char kAccountCols[] =
    "seq, id, project_id, provider, integration_id, origin_owner_id, origin_owner_name, origin_username, label, "
    "metadata, type, status, status_reasons, multiple, credentials, created_at, updated_at";

Account ReadAccount(const Stmt& s) {
  Account a;
  a.seq = s.Int(0);
  a.id = s.Text(1);
  a.project_id = s.Text(2);
  a.provider = s.Text(3);
  a.integration_id = s.Text(4);
  a.origin_owner_id = s.Text(5);
  a.origin_owner_name = s.Text(6);
  a.origin_username = s.OptText(7);
  a.label = s.OptText(8);
  a.metadata_json = s.OptText(9);
  a.type = s.Text(10) == "test" ? AccountType::kTest : AccountType::kProduction;
  a.status = ParseAccountStatus(s.Text(11)).value_or(AccountStatus::kError);
  a.status_reasons = DecodeStatusReasons(s.Text(12));
  a.multiple = s.Int(13) != 0;
  a.credentials_ciphertext = s.Text(14);
  a.created_at = s.Int(15);
  a.updated_at = s.Int(16);
  return a;
}

constexpr char kSessionCols[] =
    "id, project_id, organization_id, token_hash, origin_owner_id, origin_owner_name, origin_username, provider, "
    "categories, account_id, label, multiple, metadata, type, created_at, expires_at, spent_at, completed_account_id";

constexpr char kIntegrationCols[] = "id, project_id, provider, enabled, settings, created_at, updated_at";
Integration ReadIntegration(const Stmt& s) {
  return Integration{s.Text(0), s.Text(1), s.Text(2), s.Int(3) != 0, DecodeStringMap(s.Text(4)), s.Int(5), s.Int(6)};
}

ConnectSession ReadSession(const Stmt& s) {
  ConnectSession c;
  c.id = s.Int(0);
  c.project_id = s.Text(1);
  c.organization_id = s.Int(2);
  c.token_hash = s.Text(3);
  c.origin_owner_id = s.Text(4);
  c.origin_owner_name = s.Text(5);
  c.origin_username = s.OptText(6);
  c.provider = s.OptText(7);
  c.categories = DecodeStringList(s.Text(8));
  c.account_id = s.OptText(9);
  c.label = s.OptText(10);
  c.multiple = s.Int(11) != 0;
  c.metadata_json = s.OptText(12);
  c.type = s.Text(13) == "test" ? AccountType::kTest : AccountType::kProduction;
  c.created_at = s.Int(14);
  c.expires_at = s.Int(15);
  c.spent_at = s.OptInt(16);
  c.completed_account_id = s.OptText(17);
  return c;
}

Project ReadProject(const Stmt& s) {
  Project p;
  p.id = s.Text(0);
  p.organization_id = s.Int(1);
  p.name = s.Text(2);
  p.allowed_origins = DecodeStringList(s.Text(3));
  p.created_at = s.Int(4);
  return p;
}

constexpr char kProjectCols[] = "id, organization_id, name, allowed_origins, created_at";

// The statements shared by several operations, run on whichever connection the caller holds.
Result<std::optional<Account>> QueryAccount(Db& db, std::string_view project_id, std::string_view id) {
  CH_TRY(Stmt * s, db.Prepare(std::string("SELECT ") + kAccountCols + " FROM accounts WHERE project_id = ? AND id = ?"));
  s->Bind(1, project_id).Bind(2, id);
  CH_TRY(bool row, s->Step());
  if (!row) return std::optional<Account>();
  return std::optional<Account>(ReadAccount(*s));
}

Result<std::vector<Account>> QueryByKey(Db& db, std::string_view project_id, std::string_view owner_id,
                                        std::string_view owner_name, std::string_view provider) {
  // `+provider` keeps the planner on accounts_owner: left to itself it picks accounts_provider, which
  // scans every account of the provider in the project (one completion got slower with each account).
  CH_TRY(Stmt * s, db.Prepare(std::string("SELECT ") + kAccountCols +
                              " FROM accounts WHERE project_id = ? AND origin_owner_id = ? AND origin_owner_name = ? "
                              "AND +provider = ? ORDER BY seq"));
  s->Bind(1, project_id).Bind(2, owner_id).Bind(3, owner_name).Bind(4, provider);
  std::vector<Account> out;
  for (;;) {
    CH_TRY(bool row, s->Step());
    if (!row) break;
    out.push_back(ReadAccount(*s));
  }
  return out;
}

Status InsertAccount(Db& db, Account& a) {
  CH_TRY(Stmt * s, db.Prepare(
                       "INSERT INTO accounts (id, project_id, provider, integration_id, origin_owner_id, "
                       "origin_owner_name, origin_username, label, metadata, type, status, status_reasons, multiple, "
                       "credentials, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  s->Bind(1, a.id).Bind(2, a.project_id).Bind(3, a.provider).Bind(4, a.integration_id).Bind(5, a.origin_owner_id);
  s->Bind(6, a.origin_owner_name).Bind(7, a.origin_username).Bind(8, a.label).Bind(9, a.metadata_json);
  s->Bind(10, std::string_view(AccountTypeName(a.type))).Bind(11, std::string_view(AccountStatusName(a.status)));
  s->Bind(12, EncodeStatusReasons(a.status_reasons)).Bind(13, int64_t{a.multiple}).Bind(14, a.credentials_ciphertext);
  s->Bind(15, a.created_at).Bind(16, a.updated_at);
  CH_TRY_STATUS(s->Run());
  a.seq = db.LastInsertRowid();
  return OkStatus();
}

Status WriteAccount(Db& db, const Account& a) {
  CH_TRY(Stmt * s, db.Prepare(
                       "UPDATE accounts SET provider = ?, integration_id = ?, origin_owner_id = ?, origin_owner_name = ?, "
                       "origin_username = ?, label = ?, metadata = ?, type = ?, status = ?, status_reasons = ?, "
                       "multiple = ?, credentials = ?, updated_at = ? WHERE project_id = ? AND id = ?"));
  s->Bind(1, a.provider).Bind(2, a.integration_id).Bind(3, a.origin_owner_id).Bind(4, a.origin_owner_name);
  s->Bind(5, a.origin_username).Bind(6, a.label).Bind(7, a.metadata_json);
  s->Bind(8, std::string_view(AccountTypeName(a.type))).Bind(9, std::string_view(AccountStatusName(a.status)));
  s->Bind(10, EncodeStatusReasons(a.status_reasons)).Bind(11, int64_t{a.multiple}).Bind(12, a.credentials_ciphertext);
  s->Bind(13, a.updated_at).Bind(14, a.project_id).Bind(15, a.id);
  CH_TRY_STATUS(s->Run());
  if (db.Changes() != 1) return NotFound("account not found");
  return OkStatus();
}

// The outbox: one pending delivery per endpoint of the project that wants this event type.
// Queues the event for every endpoint of the project that wants it; `queued` (if given) gets how many.
Status InsertEvent(Db& db, const std::optional<OutboxEvent>& e, int64_t* queued = nullptr) {
  if (!e) return OkStatus();
  CH_TRY(Stmt * s, db.Prepare(
                       "INSERT INTO webhook_deliveries (message_id, project_id, endpoint_id, account_id, event_type, "
                       "payload, status, attempts, next_attempt_at, created_at, updated_at) "
                       "SELECT 'msg_' || lower(hex(randomblob(16))), ?1, id, ?2, ?3, ?4, 'pending', 0, ?5, ?5, ?5 "
                       "FROM webhook_endpoints WHERE project_id = ?1 AND instr(events, ?6) > 0"));
  s->Bind(1, e->project_id).Bind(2, e->account_id).Bind(3, e->type).Bind(4, e->payload_json).Bind(5, e->created_at);
  // instr, not LIKE: binding a LIKE pattern expires the statement (SQLite re-plans it for the LIKE
  // optimization), so every account change re-parsed this INSERT ... SELECT on the writer thread.
  s->Bind(6, "," + e->type + ",");
  CH_TRY_STATUS(s->Run());
  if (queued) *queued = db.Changes();
  return OkStatus();
}

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

constexpr char kWebhookCols[] = "id, project_id, url, events, secret, previous_secret, previous_secret_expires_at, created_at";

WebhookEndpoint ReadWebhook(const Stmt& s) {
  WebhookEndpoint w;
  w.id = s.Text(0);
  w.project_id = s.Text(1);
  w.url = s.Text(2);
  w.events = DecodeEvents(s.Text(3));
  w.secret_ciphertext = s.Text(4);
  w.previous_secret_ciphertext = s.OptText(5);
  w.previous_secret_expires_at = s.OptInt(6);
  w.created_at = s.Int(7);
  return w;
}

constexpr char kDeliveryCols[] =
    "id, message_id, project_id, endpoint_id, account_id, event_type, payload, status, attempts, next_attempt_at, "
    "last_status, last_error, created_at, updated_at";

Delivery ReadDelivery(const Stmt& s) {
  Delivery d;
  d.id = s.Int(0);
  d.message_id = s.Text(1);
  d.project_id = s.Text(2);
  d.endpoint_id = s.Text(3);
  d.account_id = s.Text(4);
  d.event_type = s.Text(5);
  d.payload_json = s.Text(6);
  const std::string st = s.Text(7);
  d.status = st == "delivered" ? DeliveryStatus::kDelivered : st == "failed" ? DeliveryStatus::kFailed : DeliveryStatus::kPending;
  d.attempts = static_cast<int>(s.Int(8));
  d.next_attempt_at = s.Int(9);
  if (auto v = s.OptInt(10)) d.last_status = static_cast<int>(*v);
  d.last_error = s.OptText(11);
  d.created_at = s.Int(12);
  d.updated_at = s.Int(13);
  return d;
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

Status InsertSession(Db& db, ConnectSession& in) {
  CH_TRY(Stmt * s, db.Prepare(
                       "INSERT INTO connect_sessions (project_id, organization_id, token_hash, origin_owner_id, "
                       "origin_owner_name, origin_username, provider, categories, account_id, label, multiple, "
                       "metadata, type, created_at, expires_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  s->Bind(1, in.project_id).Bind(2, in.organization_id).Bind(3, in.token_hash).Bind(4, in.origin_owner_id);
  s->Bind(5, in.origin_owner_name).Bind(6, in.origin_username).Bind(7, in.provider);
  s->Bind(8, EncodeStringList(in.categories)).Bind(9, in.account_id).Bind(10, in.label);
  s->Bind(11, int64_t{in.multiple}).Bind(12, in.metadata_json).Bind(13, std::string_view(AccountTypeName(in.type)));
  s->Bind(14, in.created_at).Bind(15, in.expires_at);
  CH_TRY_STATUS(s->Run());
  in.id = db.LastInsertRowid();
  return OkStatus();
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(std::string path) : path_(std::move(path)) {}

  ~SqliteStore() override {
    {
      std::lock_guard lk(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (writer_thread_.joinable()) writer_thread_.join();
    {
      std::lock_guard lk(ckpt_mu_);
      ckpt_stop_ = true;
    }
    ckpt_cv_.notify_all();
    if (ckpt_thread_.joinable()) ckpt_thread_.join();
  }

  Status Open() {
    std::error_code ec;
    auto parent = std::filesystem::path(path_).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) return Unavailable("cannot create the data folder " + parent.string() + ": " + ec.message());
    CH_TRY_STATUS(writer_.Open(path_, false));
    // WAL lets readers run beside the writer; synchronous=FULL makes every acknowledged commit durable
    // across power loss, and group commit keeps that affordable.
    // journal_size_limit: a WAL that grew past 160 MB (only under a burst beyond kRestartFrames) is
    // cut back to that when it restarts. Not lower: at full load the WAL restarts at about 130 MB
    // every few seconds, and cutting it to 64 MB each time stalled that commit for 60 ms (freeing
    // the blocks), and the commits after it paid for growing the file again. So the file keeps up
    // to 160 MB of disk once it has been busy; SQLite deletes it when the server stops.
    // temp_store=MEMORY: each write of a group commit has its own savepoint, whose undo records (the
    // sub-journal) outgrow SQLite's 64 KiB in-memory limit in a large batch and would spill to a temp
    // file created, unlinked and closed once per batch (about 4% of the writer's time in a profile of hub
    // completions). A batch is bounded (kMaxBatch), so its undo records stay a few MB at most.
    CH_TRY_STATUS(writer_.Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
                               "PRAGMA journal_size_limit=167772160; PRAGMA temp_store=MEMORY;"));
    // Checkpoints run on their own connection and thread (CheckpointLoop): SQLite's automatic one would
    // copy the WAL back into the database, and fsync it, inside the commit that crosses the threshold,
    // holding every queued write behind it. This hook replaces the automatic checkpoint.
    // The WAL starts over only after a checkpoint has copied all of it, and one beside a busy writer
    // never does (commits land while it copies). So once the WAL is long, right after a background
    // pass has caught up to within kInlineSlack frames, the writer finishes the job itself: a copy of
    // those few frames and an fsync, after which the next transaction restarts the WAL. That fsync
    // holds up commits (10 to 90 ms measured here), so restarts are spaced out: the WAL may reach
    // kRestartFrames (about 128 MB; one restart every few seconds at full load). Past
    // kMaxWalFrames the writer checkpoints inline whatever it costs, which bounds the WAL at about
    // 256 MB. Under lighter load a background pass catches up on its own and no one waits.
    sqlite3_wal_hook(
        writer_.raw(),
        [](void* self_ptr, sqlite3* db, const char* name, int frames) -> int {
          auto* self = static_cast<SqliteStore*>(self_ptr);
          if (frames >= kMaxWalFrames) {
            sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
            return SQLITE_OK;
          }
          if (frames >= kRestartFrames) {
            const int caught_up = self->ckpt_caught_up_.exchange(-1);
            if (caught_up > 0 && frames - caught_up <= kInlineSlack) {
              sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
              return SQLITE_OK;
            }
          }
          if (frames >= kCheckpointFrames) self->WantCheckpoint();
          return SQLITE_OK;
        },
        this);
    ckpt_thread_ = std::thread([this] {
      ops::NameThisThread("sqlite-ckpt");
      CheckpointLoop();
    });
    writer_thread_ = std::thread([this] {
      ops::NameThisThread("sqlite-writer");
      WriterLoop();
    });
    return OkStatus();
  }

  Result<int> Migrate() override {
    int applied = 0;
    for (size_t i = 0; i < kMigrations.size(); ++i) {
      const int64_t version = static_cast<int64_t>(i) + 1;
      bool ran = false;
      // Each migration runs in its own BEGIN IMMEDIATE, checking the version inside the lock, so
      // several processes starting at once apply it exactly once.
      CH_TRY_STATUS(WriteDirect([&](Db& db) -> Status {
        CH_TRY_STATUS(db.Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)"));
        CH_TRY(Stmt * q, db.Prepare("SELECT 1 FROM schema_migrations WHERE version = ?"));
        q->Bind(1, version);
        CH_TRY(bool exists, q->Step());
        q->Reset();
        if (exists) return OkStatus();
        CH_TRY_STATUS(db.Exec(kMigrations[i]));
        CH_TRY(Stmt * ins, db.Prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, strftime('%s','now'))"));
        ins->Bind(1, version);
        CH_TRY_STATUS(ins->Run());
        ran = true;
        return OkStatus();
      }));
      if (ran) ++applied;
    }
    return applied;
  }

  Status Ping() override {
    return Read<bool>([](Db& db) -> Result<bool> {
             CH_TRY(Stmt * s, db.Prepare("SELECT 1"));
             return s->Step();
           }).ok()
               ? OkStatus()
               : Unavailable("database does not answer");
  }

  std::vector<PoolUse> PoolUsage() override {
    PoolUse read{"sqlite_read", kMaxReaders}, write{"sqlite_write", 1, 1};
    {
      std::lock_guard lk(readers_mu_);
      read.open = open_readers_;
      read.in_use = open_readers_ - idle_readers_.size();
      read.waiting = waiting_readers_;
    }
    {
      std::lock_guard lk(mu_);
      write.in_use = writer_busy_ ? 1 : 0;
      write.waiting = queue_.size();
    }
    return {read, write};
  }


  Result<Organization> CreateOrganization(std::string_view name, TimeMs now) override {
    Organization o{0, std::string(name), now};
    CH_TRY_STATUS(Write([&](Db& db) -> Status {
      CH_TRY(Stmt * s, db.Prepare("INSERT INTO organizations (name, created_at) VALUES (?, ?)"));
      s->Bind(1, o.name).Bind(2, now);
      CH_TRY_STATUS(s->Run());
      o.id = db.LastInsertRowid();
      return OkStatus();
    }));
    return o;
  }

  Result<Project> CreateProject(const Project& p) override {
    CH_TRY_STATUS(Write([&](Db& db) -> Status {
      CH_TRY(Stmt * s, db.Prepare("INSERT INTO projects (id, organization_id, name, allowed_origins, created_at) VALUES (?,?,?,?,?)"));
      s->Bind(1, p.id).Bind(2, p.organization_id).Bind(3, p.name).Bind(4, EncodeStringList(p.allowed_origins)).Bind(5, p.created_at);
      return s->Run();
    }));
    return p;
  }

  Result<Project> FindProject(std::string_view id) override {
    return Read<Project>([&](Db& db) -> Result<Project> {
      CH_TRY(Stmt * s, db.Prepare(std::string("SELECT ") + kProjectCols + " FROM projects WHERE id = ?"));
      s->Bind(1, id);
      CH_TRY(bool row, s->Step());
      if (!row) return NotFound("project not found");
      return ReadProject(*s);
    });
  }

  Result<std::vector<Project>> ListProjects() override {
    return Read<std::vector<Project>>([&](Db& db) -> Result<std::vector<Project>> {
      CH_TRY(Stmt * s, db.Prepare(std::string("SELECT ") + kProjectCols + " FROM projects ORDER BY created_at, id"));
      std::vector<Project> out;
      for (;;) {
        CH_TRY(bool row, s->Step());
        if (!row) break;
        out.push_back(ReadProject(*s));
      }
      return out;
    });
  }

  Status SetAllowedOrigins(std::string_view project_id, const std::vector<std::string>& origins) override {
    return Write([&](Db& db) -> Status {
      CH_TRY(Stmt * s, db.Prepare("UPDATE projects SET allowed_origins = ? WHERE id = ?"));
      s->Bind(1, EncodeStringList(origins)).Bind(2, project_id);
      CH_TRY_STATUS(s->Run());
      return db.Changes() == 1 ? OkStatus() : Status(NotFound("project not found"));
    });
  }

  Status CreateApiKey(const ApiKey& k) override {
    return Write([&](Db& db) -> Status {
      CH_TRY(Stmt * s, db.Prepare("INSERT INTO api_keys (id, project_id, hash, prefix, created_at) VALUES (?,?,?,?,?)"));
      s->Bind(1, k.id).Bind(2, k.project_id).Bind(3, k.hash).Bind(4, k.prefix).Bind(5, k.created_at);
      return s->Run();
    });
  }

  Status RevokeApiKey(std::string_view project_id, std::string_view key_id, TimeMs now) override {
    return Write([&](Db& db) -> Status {
      CH_TRY(Stmt * s, db.Prepare("UPDATE api_keys SET revoked_at = ? WHERE project_id = ? AND id = ? AND revoked_at IS NULL"));
      s->Bind(1, now).Bind(2, project_id).Bind(3, key_id);
      CH_TRY_STATUS(s->Run());
      return db.Changes() == 1 ? OkStatus() : Status(NotFound("API key not found or already revoked"));
    });
  }

  Result<std::vector<ApiKey>> ListApiKeys(std::string_view project_id) override {
    return Read<std::vector<ApiKey>>([&](Db& db) -> Result<std::vector<ApiKey>> {
      CH_TRY(Stmt * s, db.Prepare("SELECT id, project_id, hash, prefix, created_at, revoked_at FROM api_keys WHERE project_id = ? ORDER BY created_at, id"));
      s->Bind(1, project_id);
      std::vector<ApiKey> out;
      for (;;) {
        CH_TRY(bool row, s->Step());
        if (!row) break;
        out.push_back(ApiKey{s->Text(0), s->Text(1), s->Text(2), s->Text(3), s->Int(4), s->OptInt(5)});
      }
      return out;
    });
  }

  Result<Project> FindProjectByApiKeyHash(std::string_view hash) override {
    return Read<Project>([&](Db& db) -> Result<Project> {
      CH_TRY(Stmt * s, db.Prepare(
                           "SELECT p.id, p.organization_id, p.name, p.allowed_origins, p.created_at FROM api_keys k "
                           "JOIN projects p ON p.id = k.project_id WHERE k.hash = ? AND k.revoked_at IS NULL"));
      s->Bind(1, hash);
      CH_TRY(bool row, s->Step());
      if (!row) return NotFound("no such API key");
      return ReadProject(*s);
    });
  }

  Result<Integration> PutIntegration(const Integration& in) override {
    Integration out = in;
    CH_TRY_STATUS(Write([&](Db& db) -> Status {
      CH_TRY(Stmt * s, db.Prepare(
                           "INSERT INTO integrations (id, project_id, provider, enabled, settings, created_at, updated_at) "
                           "VALUES (?,?,?,?,?,?,?) ON CONFLICT (project_id, provider) DO UPDATE SET "
                           "enabled = excluded.enabled, settings = excluded.settings, updated_at = excluded.updated_at "
                           "RETURNING id, created_at"));
      s->Bind(1, in.id).Bind(2, in.project_id).Bind(3, in.provider).Bind(4, int64_t{in.enabled});
      s->Bind(5, EncodeStringMap(in.settings)).Bind(6, in.created_at).Bind(7, in.updated_at);
      CH_TRY(bool row, s->Step());
      if (!row) return Internal("upsert returned nothing");
      out.id = s->Text(0);
      out.created_at = s->Int(1);
      return s->Run();
    }));
    return out;
  }

  Result<std::vector<Integration>> ListIntegrations(std::string_view project_id) override {
    return Read<std::vector<Integration>>([&](Db& db) -> Result<std::vector<Integration>> {
      CH_TRY(Stmt * s, db.Prepare(std::string("SELECT ") + kIntegrationCols + " FROM integrations WHERE project_id = ? ORDER BY provider"));
      s->Bind(1, project_id);
      std::vector<Integration> out;
      for (;;) {
        CH_TRY(bool row, s->Step());
        if (!row) break;
        out.push_back(ReadIntegration(*s));
      }
      return out;
    });
  }

  Result<ConnectSession> CreateSession(const ConnectSession& in) override {
    ConnectSession out = in;
    CH_TRY_STATUS(Write([&](Db& db) -> Status { return InsertSession(db, out); }, /*one_statement=*/true));
    return out;
  }

  bool HasAsyncSessionWrites() const override { return true; }

  bool CreateSessionAsync(const ConnectSession& in, SessionDone done) override {
    auto out = std::make_shared<ConnectSession>(in);
    Task t;
    t.fn = [out](Db& db) -> Status { return InsertSession(db, *out); };
    t.one_statement = true;
    t.done = [out, done = std::move(done)](Status st) {
      if (st.ok()) done(std::move(*out));
      else done(std::move(st).error());
    };
    return Enqueue(std::move(t));
  }

  Result<ConnectSession> FindSessionByTokenHash(std::string_view token_hash) override {
    return Read<ConnectSession>([&](Db& db) -> Result<ConnectSession> {
      CH_TRY(Stmt * s, db.Prepare(std::string("SELECT ") + kSessionCols + " FROM connect_sessions WHERE token_hash = ?"));
      s->Bind(1, token_hash);
      CH_TRY(bool row, s->Step());
      if (!row) return NotFound("no such session");
      return ReadSession(*s);
    });
  }

  Result<int64_t> DeleteExpiredSessions(TimeMs before) override {
    int64_t n = 0;
    CH_TRY_STATUS(Write([&](Db& db) -> Status {
      CH_TRY(Stmt * s, db.Prepare("DELETE FROM connect_sessions WHERE expires_at < ?"));
      s->Bind(1, before);
      CH_TRY_STATUS(s->Run());
      n = db.Changes();
      return OkStatus();
    }));
    return n;
  }

  Result<Account> FindAccount(std::string_view project_id, std::string_view account_id) override {
    return Read<Account>([&](Db& db) -> Result<Account> {
      CH_TRY(auto a, QueryAccount(db, project_id, account_id));
      if (!a) return NotFound("account not found");
      return std::move(*a);
    });
  }

  Result<std::vector<Account>> FindAccountsByKey(std::string_view project_id, std::string_view owner_id,
                                                 std::string_view owner_name, std::string_view provider) override {
    return Read<std::vector<Account>>(
        [&](Db& db) { return QueryByKey(db, project_id, owner_id, owner_name, provider); });
  }

  Result<std::vector<Account>> ListAccounts(const AccountFilter& f) override {
    // Only placeholders are added to the SQL text; every value is bound.
    std::string sql = std::string("SELECT ") + kAccountCols + " FROM accounts WHERE project_id = ?";
    auto in_list = [&](const char* col, size_t n) {
      if (n == 0) return;
      sql += std::string(" AND ") + col + " IN (";
      for (size_t i = 0; i < n; ++i) sql += i ? ",?" : "?";
      sql += ")";
    };
    in_list("provider", f.providers.size());
    in_list("origin_owner_id", f.owner_ids.size());
    in_list("id", f.account_ids.size());
    in_list("status", f.statuses.size());
    sql += " ORDER BY seq LIMIT ? OFFSET ?";
    return Read<std::vector<Account>>([&](Db& db) -> Result<std::vector<Account>> {
      CH_TRY(Stmt * s, db.Prepare(sql));
      int i = 1;
      s->Bind(i++, f.project_id);
      for (const auto& v : f.providers) s->Bind(i++, v);
      for (const auto& v : f.owner_ids) s->Bind(i++, v);
      for (const auto& v : f.account_ids) s->Bind(i++, v);
      for (const auto& v : f.statuses) s->Bind(i++, std::string_view(AccountStatusName(v)));
      s->Bind(i++, f.page_size);
      s->Bind(i++, (f.page - 1) * f.page_size);
      std::vector<Account> out;
      for (;;) {
        CH_TRY(bool row, s->Step());
        if (!row) break;
        out.push_back(ReadAccount(*s));
      }
      return out;
    });
  }

  Result<Completion> CompleteSession(int64_t session_id, std::string_view provider, TimeMs now, const DecideFn& decide,
                                     const EventFn& event) override {
    Completion result;
    CH_TRY_STATUS(Write([&](Db& db) -> Status {
      CH_TRY(Stmt * s, db.Prepare(std::string("SELECT ") + kSessionCols + " FROM connect_sessions WHERE id = ?"));
      s->Bind(1, session_id);
      CH_TRY(bool row, s->Step());
      if (!row) return Unauthenticated("This link is no longer valid. Ask for a new one.");
      ConnectSession session = ReadSession(*s);
      s->Reset();
      return CompleteIn(db, session, provider, now, decide, event, result);
    }));
    return result;
  }

  bool CompleteSessionAsync(std::string token_hash, std::string integration_id, TimeMs now, ResolveFn resolve,
                            DecideFn decide, EventFn event, CompletionDone done) override {
    auto out = std::make_shared<Completion>();
    Task t;
    t.fn = [out, token_hash = std::move(token_hash), integration_id = std::move(integration_id), now,
            resolve = std::move(resolve), decide = std::move(decide), event = std::move(event)](Db& db) -> Status {
      CH_TRY(Stmt * s, db.Prepare(std::string("SELECT ") + kSessionCols + " FROM connect_sessions WHERE token_hash = ?"));
      s->Bind(1, token_hash);
      CH_TRY(bool row, s->Step());
      std::optional<ConnectSession> session;
      if (row) session = ReadSession(*s);
      s->Reset();
      std::optional<Integration> integration;
      if (session) {
        CH_TRY(Stmt * i, db.Prepare(std::string("SELECT ") + kIntegrationCols +
                                    " FROM integrations WHERE id = ? AND project_id = ?"));
        i->Bind(1, integration_id).Bind(2, session->project_id);
        CH_TRY(bool found, i->Step());
        if (found) integration = ReadIntegration(*i);
        i->Reset();
      }
      CH_TRY(std::string provider, resolve(session ? &*session : nullptr, integration ? &*integration : nullptr));
      if (!session) return Internal("resolve accepted a missing session");
      return CompleteIn(db, *session, provider, now, decide, event, *out);
    };
    t.done = [out, done = std::move(done)](Status st) {
      if (st.ok()) done(std::move(*out));
      else done(std::move(st).error());
    };
    return Enqueue(std::move(t));
  }

  Result<Account> UpdateAccount(std::string_view project_id, std::string_view account_id, const MutateFn& mutate,
                                const EventFn& event) override {
    Account out;
    CH_TRY_STATUS(Write([&](Db& db) -> Status {
      CH_TRY(auto current, QueryAccount(db, project_id, account_id));
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
        CH_TRY(auto others, QueryByKey(db, project_id, updated.origin_owner_id, updated.origin_owner_name, updated.provider));
        if (KeyConflicts(updated, others)) {
          return Conflict("Another account already has this origin_owner_id, origin_owner_name and provider");
        }
      }
      CH_TRY_STATUS(WriteAccount(db, updated));
      CH_TRY_STATUS(InsertEvent(db, event(updated, false)));
      out = std::move(updated);
      return OkStatus();
    }));
    return out;
  }

  Result<Account> DeleteAccount(std::string_view project_id, std::string_view account_id, const EventFn& event) override {
    Account out;
    CH_TRY_STATUS(Write([&](Db& db) -> Status {
      CH_TRY(auto current, QueryAccount(db, project_id, account_id));
      if (!current) return NotFound("account not found");
      CH_TRY(Stmt * s, db.Prepare("DELETE FROM accounts WHERE project_id = ? AND id = ?"));
      s->Bind(1, project_id).Bind(2, account_id);
      CH_TRY_STATUS(s->Run());
      CH_TRY_STATUS(InsertEvent(db, event(*current, false)));
      out = std::move(*current);
      return OkStatus();
    }));
    return out;
  }

  Status CreateWebhook(const WebhookEndpoint& w) override {
    return Write([&](Db& db) -> Status {
      CH_TRY(Stmt * s, db.Prepare(std::string("INSERT INTO webhook_endpoints (") + kWebhookCols + ") VALUES (?,?,?,?,?,?,?,?)"));
      s->Bind(1, w.id).Bind(2, w.project_id).Bind(3, w.url).Bind(4, EncodeEvents(w.events)).Bind(5, w.secret_ciphertext);
      s->Bind(6, w.previous_secret_ciphertext).Bind(7, w.previous_secret_expires_at).Bind(8, w.created_at);
      return s->Run();
    });
  }

  Result<std::vector<WebhookEndpoint>> ListWebhooks(std::string_view project_id) override {
    return Read<std::vector<WebhookEndpoint>>([&](Db& db) -> Result<std::vector<WebhookEndpoint>> {
      CH_TRY(Stmt * s, db.Prepare(std::string("SELECT ") + kWebhookCols + " FROM webhook_endpoints WHERE project_id = ? ORDER BY created_at, id"));
      s->Bind(1, project_id);
      std::vector<WebhookEndpoint> out;
      for (;;) {
        CH_TRY(bool row, s->Step());
        if (!row) break;
        out.push_back(ReadWebhook(*s));
      }
      return out;
    });
  }

  Result<WebhookEndpoint> FindWebhook(std::string_view id) override {
    return Read<WebhookEndpoint>([&](Db& db) -> Result<WebhookEndpoint> {
      CH_TRY(Stmt * s, db.Prepare(std::string("SELECT ") + kWebhookCols + " FROM webhook_endpoints WHERE id = ?"));
      s->Bind(1, id);
      CH_TRY(bool row, s->Step());
      if (!row) return NotFound("webhook endpoint not found");
      return ReadWebhook(*s);
    });
  }

  Status DeleteWebhook(std::string_view project_id, std::string_view id) override {
    return Write([&](Db& db) -> Status {
      CH_TRY(Stmt * s, db.Prepare("DELETE FROM webhook_endpoints WHERE project_id = ? AND id = ?"));
      s->Bind(1, project_id).Bind(2, id);
      CH_TRY_STATUS(s->Run());
      if (db.Changes() != 1) return NotFound("webhook endpoint not found");
      CH_TRY(Stmt * d, db.Prepare("DELETE FROM webhook_deliveries WHERE endpoint_id = ?"));
      d->Bind(1, id);
      return d->Run();
    });
  }

  Status UpdateWebhookSecrets(std::string_view project_id, std::string_view id, std::string_view secret_ciphertext,
                              const std::optional<std::string>& previous_ciphertext,
                              std::optional<TimeMs> previous_expires_at) override {
    return Write([&](Db& db) -> Status {
      CH_TRY(Stmt * s, db.Prepare("UPDATE webhook_endpoints SET secret = ?, previous_secret = ?, previous_secret_expires_at = ? WHERE project_id = ? AND id = ?"));
      s->Bind(1, secret_ciphertext).Bind(2, previous_ciphertext).Bind(3, previous_expires_at).Bind(4, project_id).Bind(5, id);
      CH_TRY_STATUS(s->Run());
      return db.Changes() == 1 ? OkStatus() : Status(NotFound("webhook endpoint not found"));
    });
  }

  Result<std::vector<Delivery>> ClaimDeliveries(TimeMs now, int limit, TimeMs lease_until) override {
    std::vector<Delivery> out;
    CH_TRY_STATUS(Write([&](Db& db) -> Status {
      out.clear();
      CH_TRY(Stmt * s, db.Prepare(std::string("SELECT ") + kDeliveryCols +
                                  " FROM webhook_deliveries d WHERE d.status = 'pending' AND d.next_attempt_at <= ?1 "
                                  "AND d.locked_until <= ?1 AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e "
                                  "WHERE e.endpoint_id = d.endpoint_id AND e.account_id = d.account_id "
                                  "AND e.status = 'pending' AND e.id < d.id) ORDER BY d.id LIMIT ?2"));
      s->Bind(1, now).Bind(2, int64_t{limit});
      for (;;) {
        CH_TRY(bool row, s->Step());
        if (!row) break;
        out.push_back(ReadDelivery(*s));
      }
      CH_TRY(Stmt * lease, db.Prepare("UPDATE webhook_deliveries SET locked_until = ? WHERE id = ?"));
      for (const auto& d : out) {
        lease->Reset();
        lease->Bind(1, lease_until).Bind(2, d.id);
        CH_TRY_STATUS(lease->Run());
      }
      return OkStatus();
    }));
    return out;
  }

  Status FinishDelivery(int64_t delivery_id, const DeliveryOutcome& o) override {
    return Write([&](Db& db) -> Status {
      CH_TRY(Stmt * s, db.Prepare(
                           "UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = ?, "
                           "last_status = ?, last_error = ?, locked_until = 0, updated_at = ? WHERE id = ?"));
      s->Bind(1, DeliveryStatusName(o.status)).Bind(2, o.next_attempt_at);
      s->Bind(3, o.http_status ? std::optional<int64_t>(*o.http_status) : std::nullopt).Bind(4, o.error);
      s->Bind(5, o.now).Bind(6, delivery_id);
      return s->Run();
    });
  }

  Result<std::vector<Delivery>> ListDeliveries(std::string_view project_id, std::string_view endpoint_id, int limit) override {
    return Read<std::vector<Delivery>>([&](Db& db) -> Result<std::vector<Delivery>> {
      CH_TRY(Stmt * s, db.Prepare(std::string("SELECT ") + kDeliveryCols +
                                  " FROM webhook_deliveries WHERE project_id = ? AND endpoint_id = ? ORDER BY id DESC LIMIT ?"));
      s->Bind(1, project_id).Bind(2, endpoint_id).Bind(3, int64_t{limit});
      std::vector<Delivery> out;
      for (;;) {
        CH_TRY(bool row, s->Step());
        if (!row) break;
        out.push_back(ReadDelivery(*s));
      }
      return out;
    });
  }

  Result<std::vector<Account>> ScanAccounts(int64_t after_seq, int limit) override {
    return Read<std::vector<Account>>([&](Db& db) -> Result<std::vector<Account>> {
      CH_TRY(Stmt * s, db.Prepare(std::string("SELECT ") + kAccountCols + " FROM accounts WHERE seq > ? ORDER BY seq LIMIT ?"));
      s->Bind(1, after_seq).Bind(2, int64_t{limit});
      std::vector<Account> out;
      for (;;) {
        CH_TRY(bool row, s->Step());
        if (!row) break;
        out.push_back(ReadAccount(*s));
      }
      return out;
    });
  }

  Result<bool> ReplaceCiphertext(std::string_view account_id, std::string_view expected, std::string_view replacement) override {
    bool swapped = false;
    CH_TRY_STATUS(Write([&](Db& db) -> Status {
      CH_TRY(Stmt * s, db.Prepare("UPDATE accounts SET credentials = ? WHERE id = ? AND credentials = ?"));
      s->Bind(1, replacement).Bind(2, account_id).Bind(3, expected);
      CH_TRY_STATUS(s->Run());
      swapped = db.Changes() == 1;
      return OkStatus();
    }));
    return swapped;
  }

 private:
  // The part of a completion after the session row is read, inside the writer's transaction. The
  // single writer serializes every completion, so reading the key and writing below cannot
  // interleave with another completion for the same key.
  static Status CompleteIn(Db& db, const ConnectSession& session, std::string_view provider, TimeMs now,
                           const DecideFn& decide, const EventFn& event, Completion& result) {
    CH_TRY_STATUS(CheckSessionUsable(session, now));
    CH_TRY(auto existing, QueryByKey(db, session.project_id, session.origin_owner_id, session.origin_owner_name, provider));
    std::optional<Account> session_account;
    if (session.account_id) {
      CH_TRY(session_account, QueryAccount(db, session.project_id, *session.account_id));
    }
    CompletionContext ctx{session, existing, session_account ? &*session_account : nullptr};
    CH_TRY(AccountWrite w, decide(ctx));
    if (w.create) {
      CH_TRY_STATUS(InsertAccount(db, w.account));
    } else {
      CH_TRY_STATUS(WriteAccount(db, w.account));
    }
    CH_TRY(Stmt * spend, db.Prepare("UPDATE connect_sessions SET spent_at = ?, completed_account_id = ? WHERE id = ? AND spent_at IS NULL"));
    spend->Bind(1, now).Bind(2, w.account.id).Bind(3, session.id);
    CH_TRY_STATUS(spend->Run());
    if (db.Changes() != 1) return Unauthenticated("This link has already been used. Ask for a new one.");
    CH_TRY_STATUS(InsertEvent(db, event(w.account, w.create), &result.deliveries));
    result.account = std::move(w.account);
    result.created = w.create;
    return OkStatus();
  }

  struct Task {
    std::function<Status(Db&)> fn;
    std::function<void(Status)> done;  // on the writer thread, after COMMIT (or the failure)
    // A single statement needs no savepoint of its own: SQLite undoes a failed statement by itself.
    bool one_statement = false;
  };
  static constexpr size_t kMaxBatch = 256;
  static constexpr size_t kMaxReaders = 16;
  static constexpr int kCheckpointFrames = 1000;  // SQLite's default auto-checkpoint threshold (pages)
  static constexpr int kMaxWalFrames = 64000;     // 4 KiB pages: about 256 MB
  static constexpr std::chrono::milliseconds kCheckpointPause{50};
  static constexpr int kRestartFrames = 32000;  // about 128 MB: past this the writer helps the WAL restart
  static constexpr int kInlineSlack = 256;     // frames the writer may copy itself for that

  // Queues a write for the writer thread; false (and `t.done` never runs) when the store is stopping.
  bool Enqueue(Task t) {
    {
      std::lock_guard lk(mu_);
      if (stop_) return false;
      queue_.push_back(std::move(t));
    }
    cv_.notify_one();
    return true;
  }

  // Queues `fn` for the writer thread and waits until its batch has committed (or failed).
  Status Write(std::function<Status(Db&)> fn, bool one_statement = false) {
    std::promise<Status> promise;
    auto fut = promise.get_future();
    Task t{std::move(fn), [&promise](Status st) { promise.set_value(std::move(st)); }, one_statement};
    if (!Enqueue(std::move(t))) return Unavailable("store is shutting down");
    return fut.get();
  }

  // For migrations: one transaction of its own on the writer connection, outside any batch.
  Status WriteDirect(const std::function<Status(Db&)>& fn) {
    return Write([fn](Db& db) -> Status { return fn(db); });
  }

  static Status RunGuarded(const std::function<Status(Db&)>& fn, Db& db) {
    Status st = [&]() -> Status {
      try {
        return fn(db);
      } catch (const std::exception& e) {
        return Internal(std::string("write failed: ") + e.what());
      }
    }();
    db.ResetAll();
    return st;
  }

  // Called by the WAL hook after every commit past the threshold: only the first call wakes the
  // checkpoint thread, the others find the request already made.
  void WantCheckpoint() {
    {
      std::lock_guard lk(ckpt_mu_);
      if (ckpt_wanted_) return;
      ckpt_wanted_ = true;
    }
    ckpt_cv_.notify_one();
  }

  // PASSIVE checkpoints never block the writer or readers; they copy what no reader still needs.
  void CheckpointLoop() {
    std::unique_ptr<Db> db;  // opened at the first checkpoint: start-up and short CLI runs never need it
    for (;;) {
      {
        std::unique_lock lk(ckpt_mu_);
        ckpt_cv_.wait(lk, [&] { return ckpt_stop_ || ckpt_wanted_; });
        if (ckpt_stop_) return;
        ckpt_wanted_ = false;
      }
      if (!db) {
        db = std::make_unique<Db>();
        if (!db->Open(path_, false).ok() || !db->Exec("PRAGMA synchronous=FULL;").ok()) {
          spdlog::warn("store: cannot open the checkpoint connection; the writer will checkpoint");
          db.reset();
          continue;
        }
      }
      int log_frames = 0, copied = 0;
      int rc = sqlite3_wal_checkpoint_v2(db->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &copied);
      if (rc != SQLITE_OK && rc != SQLITE_BUSY) spdlog::warn("store: checkpoint failed: {}", sqlite3_errstr(rc));
      // Everything that was in the WAL when the pass began is in the database now.
      ckpt_caught_up_.store(rc == SQLITE_OK && log_frames > 0 && copied == log_frames ? log_frames : -1);
      // Under sustained writes the WAL stays past the threshold and every commit asks again; one
      // checkpoint per pause copies each page once however often it changed meanwhile, and fsyncs
      // the database once, where a checkpoint per commit cost a seventh of the server's CPU. Not
      // much longer, though: each pass ends with an fsync of the database, which holds up the
      // writer's commit fsync on the same disk for as long as it takes, and a longer pause leaves
      // more to flush. Side by side at full load: 50 ms gave a session p99 of 6.4 ms (max 15), 100 ms
      // 8.6 (max 72), 200 ms 9-14 (max 34-36), 1 s 12.6 (max 63), for the same throughput.
      // Past kRestartFrames, passes follow each other at once: each has less to copy than the one
      // before, until the writer finds the rest small enough to finish and the WAL restarts.
      if (rc == SQLITE_OK && log_frames >= kRestartFrames) continue;
      std::unique_lock lk(ckpt_mu_);
      ckpt_cv_.wait_for(lk, kCheckpointPause, [&] { return ckpt_stop_; });
    }
  }

  void WriterLoop() {
    // Transaction control as prepared statements: parsed once, not on every write.
    auto tx = [this](const char* sql) -> Status {
      CH_TRY(Stmt * s, writer_.Prepare(sql));
      return s->Run();
    };
    std::vector<Task> batch;
    for (;;) {
      {
        std::unique_lock lk(mu_);
        writer_busy_ = false;  // the previous batch, if any, has been answered
        cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
        if (queue_.empty() && stop_) return;
        while (!queue_.empty() && batch.size() < kMaxBatch) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        writer_busy_ = true;
      }
      Status begin = tx("BEGIN IMMEDIATE");
      if (!begin.ok()) {
        for (auto& t : batch) t.done(begin);
        batch.clear();
        continue;
      }
      std::vector<Status> results;
      results.reserve(batch.size());
      for (auto& t : batch) {
        if (t.one_statement) {
          results.push_back(RunGuarded(t.fn, writer_));
          continue;
        }
        // A savepoint per write: one write's failure rolls back only that write.
        Status sp = tx("SAVEPOINT w");
        Status st = sp.ok() ? RunGuarded(t.fn, writer_) : sp;
        if (st.ok()) {
          st = tx("RELEASE w");
        } else if (sp.ok()) {
          (void)tx("ROLLBACK TO w");
          (void)tx("RELEASE w");
        }
        results.push_back(std::move(st));
      }
      Status commit = tx("COMMIT");
      if (!commit.ok()) {
        (void)tx("ROLLBACK");
        spdlog::error("store: commit failed: {}", commit.error().message);
        for (auto& t : batch) t.done(Unavailable("the database could not commit; nothing was saved"));
      } else {
        for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(results[i]));
      }
      batch.clear();
    }
  }

  // Runs `fn` on a pooled read connection.
  template <typename T, typename Fn>
  Result<T> Read(Fn&& fn) {
    std::unique_ptr<Db> db;
    {
      std::unique_lock lk(readers_mu_);
      ++waiting_readers_;
      readers_cv_.wait(lk, [&] { return !idle_readers_.empty() || open_readers_ < kMaxReaders; });
      --waiting_readers_;
      if (!idle_readers_.empty()) {
        db = std::move(idle_readers_.back());
        idle_readers_.pop_back();
      } else {
        ++open_readers_;
      }
    }
    if (!db) {
      db = std::make_unique<Db>();
      Status st = db->Open(path_, false);
      // No mmap: it made lists 10-20% faster, but every reader maps the file separately and the
      // kernel counts the pages once per mapping: peak RSS read 7 GB with 1,000,000 accounts.
      if (st.ok()) st = db->Exec("PRAGMA query_only=1;");
      if (!st.ok()) {
        std::lock_guard lk(readers_mu_);
        --open_readers_;
        readers_cv_.notify_one();
        return st.error();
      }
    }
    Result<T> r = [&]() -> Result<T> {
      try {
        return fn(*db);
      } catch (const std::exception& e) {
        return Internal(std::string("read failed: ") + e.what());
      }
    }();
    db->ResetAll();
    {
      std::lock_guard lk(readers_mu_);
      idle_readers_.push_back(std::move(db));
    }
    readers_cv_.notify_one();
    return r;
  }

  std::string path_;
  Db writer_;
  std::thread writer_thread_;
  std::mutex ckpt_mu_;
  std::condition_variable ckpt_cv_;
  bool ckpt_wanted_ = false;
  bool ckpt_stop_ = false;
  // WAL frames the last background pass copied when it copied all there were, else -1.
  std::atomic<int> ckpt_caught_up_{-1};
  std::thread ckpt_thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> queue_;
  bool stop_ = false;

  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<Db>> idle_readers_;
  size_t open_readers_ = 0;
  size_t waiting_readers_ = 0;
  bool writer_busy_ = false;  // guarded by mu_: a batch is between BEGIN and COMMIT
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  auto store = std::make_unique<SqliteStore>(path);
  CH_TRY_STATUS(store->Open());
  CH_TRY(int applied, store->Migrate());
  if (applied > 0) spdlog::info("store: applied {} migration(s) to {}", applied, path);
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace connecthub
