// The PostgreSQL store against a real server: CONNECTHUB_TEST_PG_URL names a database (scripts/pg.sh
// start DIR prints one); each suite works in a schema of its own there (search_path through the URL's
// `options`), dropped afterwards, so runs and parallel test processes never see each other's rows.
// Skipped when the variable is unset. Focus: what differs from SQLite (several connections and
// processes at once, locking, reconnects, type mapping), plus a round trip of every method.
#include "store/postgres/pg_store.h"

#include <atomic>
#include <cstdlib>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "core/upsert.h"
#include "store/postgres/pg_conn.h"

namespace connecthub {
namespace {

std::string BaseUrl() {
  const char* u = std::getenv("CONNECTHUB_TEST_PG_URL");
  return u ? u : "";
}

std::string RandomHex(int n) {
  static std::mt19937_64 rng{std::random_device{}()};
  static const char* d = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(d[rng() % 16]);
  return s;
}

// The test URL, working in `schema` (libpq's options=-c search_path=SCHEMA, percent-encoded).
std::string InSchema(const std::string& url, const std::string& schema) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema;
}

// Runs one statement on the cluster's maintenance database (test-only DDL, names are ours).
void Admin(const std::string& sql) {
  auto parsed = pg::ParseUrl(BaseUrl());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  pg::Conn c;
  Status st = c.Connect(parsed->params);
  ASSERT_TRUE(st.ok()) << st.error().message;
  auto r = c.ExecScript(sql);
  ASSERT_TRUE(r.ok()) << sql << ": " << r.error().message;
}

int64_t QueryInt(const std::string& url, const std::string& sql) {
  auto parsed = pg::ParseUrl(url);
  EXPECT_TRUE(parsed.ok());
  pg::Conn c;
  EXPECT_TRUE(c.Connect(parsed->params).ok());
  auto r = c.ExecScript(sql);
  EXPECT_TRUE(r.ok()) << sql << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() && r->rows() > 0 ? r->row(0).Int(0) : -1;
}

class PgStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (BaseUrl().empty()) return;
    schema_ = "ch_unit_" + RandomHex(12);
    Admin("CREATE SCHEMA " + schema_);
    url_ = InSchema(BaseUrl(), schema_);
    // Its own application_name, so that SurvivesDroppedConnections ends only this store's connections.
    auto s = OpenPostgresStore(url_ + "&pool_size=6&application_name=connecthub-" + schema_);
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s).release();
  }
  static void TearDownTestSuite() {
    delete store_;
    store_ = nullptr;
    if (!schema_.empty()) Admin("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  }
  void SetUp() override {
    if (BaseUrl().empty()) GTEST_SKIP() << "CONNECTHUB_TEST_PG_URL is not set (start a cluster: scripts/pg.sh start DIR)";
    ASSERT_NE(store_, nullptr);
    auto org = store_->CreateOrganization("org", 1000);
    ASSERT_TRUE(org.ok()) << org.error().message;
    Project p;
    p.id = "prj_" + RandomHex(10);
    p.organization_id = org->id;
    p.name = "test";
    p.created_at = 1000;
    ASSERT_TRUE(store_->CreateProject(p).ok());
    project_ = p;
  }

  Store& store() { return *store_; }

  ConnectSession NewSession(const std::string& owner, bool multiple = false, std::optional<std::string> account_id = {}) {
    ConnectSession s;
    s.project_id = project_.id;
    s.organization_id = project_.organization_id;
    s.origin_owner_id = owner;
    s.origin_owner_name = "Acme";
    s.provider = "demohris";
    s.multiple = multiple;
    s.account_id = std::move(account_id);
    s.token_hash = "hash_" + RandomHex(24);
    s.created_at = 1000;
    s.expires_at = 1'000'000;
    auto r = store_->CreateSession(s);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : s;
  }

  // A completion that follows the real upsert rules (core/upsert.h).
  Result<Completion> Complete(const ConnectSession& s, TimeMs now = 2000, const std::string& creds = "ct") {
    auto decide = [&](const CompletionContext& c) -> Result<AccountWrite> {
      CH_TRY(UpsertDecision d, DecideUpsert(c.session, "demohris", c.existing_for_key, c.session_account));
      AccountWrite w;
      if (d.action == UpsertAction::kCreate) {
        w.create = true;
        w.account.id = "acc_" + RandomHex(16);
        w.account.project_id = c.session.project_id;
        w.account.provider = "demohris";
        w.account.origin_owner_id = c.session.origin_owner_id;
        w.account.origin_owner_name = c.session.origin_owner_name;
        w.account.multiple = c.session.multiple;
        w.account.created_at = now;
      } else {
        const Account* cur = c.session_account && c.session_account->id == d.account_id ? c.session_account : nullptr;
        for (const auto& a : c.existing_for_key)
          if (a.id == d.account_id) cur = &a;
        if (!cur) return Conflict("vanished");
        w.account = *cur;
      }
      w.account.integration_id = "int_1";
      w.account.credentials_ciphertext = creds;
      w.account.updated_at = now;
      return w;
    };
    auto event = [&](const Account& a, bool created) -> std::optional<OutboxEvent> {
      return OutboxEvent{a.project_id, created ? "account.created" : "account.updated", a.id, "{}", now};
    };
    return store_->CompleteSession(s.id, "demohris", now, decide, event);
  }

  static inline Store* store_ = nullptr;
  static inline std::string schema_;
  static inline std::string url_;
  Project project_;
};

// Needs no server.
TEST(PgUrlTest, Parsing) {
  auto p = pg::ParseUrl("postgresql://u:secret@h:5433/db?pool_size=3&sslmode=disable");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->pool_size, 3u);
  EXPECT_EQ(p->redacted, "postgresql://u@h:5433/db");  // no password in logs
  bool has_ssl = false;
  for (const auto& [k, v] : p->params) has_ssl |= (k == "sslmode" && v == "disable");
  EXPECT_TRUE(has_ssl);
  EXPECT_EQ(pg::ParseUrl("postgresql://h/db?pool_size=0").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(pg::ParseUrl("postgresql://h/db?nonsense=1").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(pg::ParseUrl("postgresql://h/db").value().pool_size, 8u);
  // Nothing listens on port 1.
  EXPECT_EQ(OpenPostgresStore("postgresql://postgres@127.0.0.1:1/x?connect_timeout=2").code(), ErrorCode::kUnavailable);
}

TEST_F(PgStoreTest, MigrateIsIdempotent) {
  auto n = store().Migrate();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  EXPECT_EQ(QueryInt(url_, "SELECT count(*) FROM schema_migrations"), 1);
}

TEST_F(PgStoreTest, ConcurrentFirstStartsApplyMigrationsOnce) {
  const std::string schema = "ch_unit_mig_" + RandomHex(8);
  Admin("CREATE SCHEMA " + schema);
  const std::string url = InSchema(BaseUrl(), schema);
  std::atomic<int> ok{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 6; ++i) {
    ts.emplace_back([&] {
      auto s = OpenPostgresStore(url);
      if (s.ok() && (*s)->Ping().ok()) ++ok;
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok.load(), 6);
  EXPECT_EQ(QueryInt(url, "SELECT count(*) FROM schema_migrations"), 1);
  EXPECT_EQ(QueryInt(url, "SELECT count(*) FROM pg_tables WHERE tablename = 'accounts' AND schemaname = '" + schema + "'"), 1);
  Admin("DROP SCHEMA " + schema + " CASCADE");
}

TEST_F(PgStoreTest, TenancyRoundTrip) {
  auto found = store().FindProject(project_.id);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->name, "test");
  EXPECT_EQ(store().FindProject("prj_missing").code(), ErrorCode::kNotFound);
  // Values PostgreSQL cannot hold as text are simply not found (never a 500).
  EXPECT_EQ(store().FindProject(std::string("prj\0x", 5)).code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().FindProject("prj\xff").code(), ErrorCode::kNotFound);
  ASSERT_TRUE(store().SetAllowedOrigins(project_.id, {"https://a.example", "https://b.example"}).ok());
  EXPECT_EQ(store().FindProject(project_.id)->allowed_origins.size(), 2u);
  EXPECT_EQ(store().SetAllowedOrigins("prj_missing", {}).code(), ErrorCode::kNotFound);

  Project dup = project_;
  EXPECT_EQ(store().CreateProject(dup).code(), ErrorCode::kConflict);

  const std::string hash = "h_" + RandomHex(20);
  ASSERT_TRUE(store().CreateApiKey(ApiKey{"key_" + RandomHex(8), project_.id, hash, "sk_", 1000, std::nullopt}).ok());
  EXPECT_EQ(store().CreateApiKey(ApiKey{"key_" + RandomHex(8), project_.id, hash, "sk_", 1000, std::nullopt}).code(),
            ErrorCode::kConflict);
  EXPECT_EQ(store().FindProjectByApiKeyHash(hash)->id, project_.id);
  auto keys = store().ListApiKeys(project_.id);
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 1u);
  ASSERT_TRUE(store().RevokeApiKey(project_.id, keys->at(0).id, 5000).ok());
  EXPECT_EQ(store().RevokeApiKey(project_.id, keys->at(0).id, 5000).code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().FindProjectByApiKeyHash(hash).code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().ListApiKeys(project_.id)->at(0).revoked_at, 5000);

  auto projects = store().ListProjects();
  ASSERT_TRUE(projects.ok());
  bool seen = false;
  for (const auto& p : *projects) seen |= p.id == project_.id;
  EXPECT_TRUE(seen);
}

TEST_F(PgStoreTest, PutIntegrationKeepsIdAndCreatedAt) {
  Integration i{"int_" + RandomHex(8), project_.id, "demohris", true, {{"base_url", "https://x"}}, 1000, 1000};
  auto a = store().PutIntegration(i);
  ASSERT_TRUE(a.ok()) << a.error().message;
  Integration again{"int_other", project_.id, "demohris", false, {}, 9000, 9000};
  auto b = store().PutIntegration(again);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->id, i.id);
  EXPECT_EQ(b->created_at, 1000);
  auto list = store().ListIntegrations(project_.id);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_FALSE(list->at(0).enabled);
  EXPECT_TRUE(list->at(0).settings.empty());
  EXPECT_EQ(list->at(0).updated_at, 9000);
}

TEST_F(PgStoreTest, SessionsRoundTrip) {
  ConnectSession s = NewSession("owner-s", true);
  EXPECT_GT(s.id, 0);
  auto f = store().FindSessionByTokenHash(s.token_hash);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->id, s.id);
  EXPECT_TRUE(f->multiple);
  EXPECT_EQ(f->provider, "demohris");
  EXPECT_FALSE(f->spent_at.has_value());
  EXPECT_EQ(store().FindSessionByTokenHash("nope").code(), ErrorCode::kNotFound);
  auto n = store().DeleteExpiredSessions(1'000'001);
  ASSERT_TRUE(n.ok());
  EXPECT_GE(*n, 1);
  EXPECT_EQ(store().FindSessionByTokenHash(s.token_hash).code(), ErrorCode::kNotFound);
}

TEST_F(PgStoreTest, CompleteSessionCreatesSpendsAndEmits) {
  WebhookEndpoint w{"whk_" + RandomHex(8), project_.id, "https://h.example/hook", {"account.created"}, "sec", {}, {}, 1000};
  ASSERT_TRUE(store().CreateWebhook(w).ok());
  ConnectSession s = NewSession("owner-c");
  auto c = Complete(s);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->created);
  EXPECT_GT(c->account.seq, 0);
  auto again = Complete(s);
  EXPECT_EQ(again.code(), ErrorCode::kUnauthenticated);
  auto spent = store().FindSessionByTokenHash(s.token_hash);
  EXPECT_EQ(spent->spent_at, 2000);
  EXPECT_EQ(spent->completed_account_id, c->account.id);
  auto deliveries = store().ListDeliveries(project_.id, w.id, 10);
  ASSERT_TRUE(deliveries.ok());
  ASSERT_EQ(deliveries->size(), 1u);
  EXPECT_EQ(deliveries->at(0).event_type, "account.created");
  EXPECT_EQ(deliveries->at(0).message_id.rfind("msg_", 0), 0u);
  EXPECT_EQ(deliveries->at(0).message_id.size(), 36u);

  // A second session for the same key updates the account; the endpoint does not want updates.
  ConnectSession s2 = NewSession("owner-c");
  auto c2 = Complete(s2, 3000, "ct2");
  ASSERT_TRUE(c2.ok());
  EXPECT_FALSE(c2->created);
  EXPECT_EQ(c2->account.id, c->account.id);
  EXPECT_EQ(store().FindAccount(project_.id, c->account.id)->credentials_ciphertext, "ct2");
  EXPECT_EQ(store().ListDeliveries(project_.id, w.id, 10)->size(), 1u);

  // Expired, unknown.
  ConnectSession s3 = NewSession("owner-c");
  EXPECT_EQ(Complete(s3, 2'000'000).code(), ErrorCode::kUnauthenticated);
  ConnectSession ghost = s3;
  ghost.id = 987654321;
  EXPECT_EQ(Complete(ghost).code(), ErrorCode::kUnauthenticated);
}

TEST_F(PgStoreTest, FailedDecisionChangesNothing) {
  ConnectSession s = NewSession("owner-f");
  auto r = store().CompleteSession(
      s.id, "demohris", 2000, [](const CompletionContext&) -> Result<AccountWrite> { return Conflict("no"); },
      [](const Account&, bool) { return std::optional<OutboxEvent>(); });
  EXPECT_EQ(r.code(), ErrorCode::kConflict);
  EXPECT_FALSE(store().FindSessionByTokenHash(s.token_hash)->spent_at.has_value());
  // A throwing callback rolls back too, and the connection stays usable.
  auto t = store().CompleteSession(
      s.id, "demohris", 2000, [](const CompletionContext&) -> Result<AccountWrite> { throw std::runtime_error("boom"); },
      [](const Account&, bool) { return std::optional<OutboxEvent>(); });
  EXPECT_EQ(t.code(), ErrorCode::kInternal);
  EXPECT_TRUE(Complete(s).ok());
}

TEST_F(PgStoreTest, ConcurrentCompletionsForOneKeyMakeOneAccount) {
  constexpr int kN = 48;
  std::vector<ConnectSession> sessions;
  for (int i = 0; i < kN; ++i) sessions.push_back(NewSession("owner-race"));
  std::atomic<int> ok{0}, created{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 8; ++t) {
    ts.emplace_back([&, t] {
      for (int i = t; i < kN; i += 8) {
        auto c = Complete(sessions[i]);
        EXPECT_TRUE(c.ok()) << c.error().message;
        if (c.ok()) {
          ++ok;
          created += c->created;
        }
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok.load(), kN);
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(store().FindAccountsByKey(project_.id, "owner-race", "Acme", "demohris")->size(), 1u);
}

TEST_F(PgStoreTest, ConcurrentMultipleCompletionsEachCreate) {
  constexpr int kN = 40;
  std::vector<ConnectSession> sessions;
  for (int i = 0; i < kN; ++i) sessions.push_back(NewSession("owner-multi", true));
  std::vector<std::thread> ts;
  for (int t = 0; t < 8; ++t) {
    ts.emplace_back([&, t] {
      for (int i = t; i < kN; i += 8) EXPECT_TRUE(Complete(sessions[i]).ok());
    });
  }
  for (auto& t : ts) t.join();
  auto all = store().FindAccountsByKey(project_.id, "owner-multi", "Acme", "demohris");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), static_cast<size_t>(kN));
  for (size_t i = 1; i < all->size(); ++i) EXPECT_LT(all->at(i - 1).seq, all->at(i).seq);  // oldest first
}

TEST_F(PgStoreTest, OneTokenCompletesOnceUnderRace) {
  ConnectSession s = NewSession("owner-token", true);
  std::atomic<int> ok{0}, refused{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 8; ++t) {
    ts.emplace_back([&] {
      auto c = Complete(s);
      if (c.ok()) ++ok;
      else if (c.code() == ErrorCode::kUnauthenticated) ++refused;
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(refused.load(), 7);
  EXPECT_EQ(store().FindAccountsByKey(project_.id, "owner-token", "Acme", "demohris")->size(), 1u);
}

TEST_F(PgStoreTest, UpdateAndDeleteAccount) {
  auto a = Complete(NewSession("owner-u1"));
  auto b = Complete(NewSession("owner-u2"));
  ASSERT_TRUE(a.ok() && b.ok());
  int events = 0;
  auto ev = [&](const Account& x, bool) -> std::optional<OutboxEvent> {
    ++events;
    return std::nullopt;
  };
  // Unchanged row: nothing written, no event.
  auto same = store().UpdateAccount(project_.id, a->account.id, [](const Account& c) -> Result<Account> { return c; }, ev);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(events, 0);
  // A changed label is written with its event.
  auto lab = store().UpdateAccount(
      project_.id, a->account.id,
      [](const Account& c) -> Result<Account> {
        Account n = c;
        n.label = "new";
        n.status_reasons.push_back({"x", "y", 7});
        n.updated_at = 9000;
        return n;
      },
      ev);
  ASSERT_TRUE(lab.ok());
  EXPECT_EQ(events, 1);
  auto read = store().FindAccount(project_.id, a->account.id);
  EXPECT_EQ(read->label, "new");
  ASSERT_EQ(read->status_reasons.size(), 1u);
  EXPECT_EQ(read->status_reasons[0].timestamp, 7);
  EXPECT_EQ(read->updated_at, 9000);
  // Moving a onto b's key collides (neither was made with multiple).
  auto clash = store().UpdateAccount(
      project_.id, a->account.id,
      [](const Account& c) -> Result<Account> {
        Account n = c;
        n.origin_owner_id = "owner-u2";
        return n;
      },
      ev);
  EXPECT_EQ(clash.code(), ErrorCode::kConflict);
  EXPECT_EQ(store().FindAccount(project_.id, a->account.id)->origin_owner_id, "owner-u1");
  EXPECT_EQ(store().UpdateAccount(project_.id, "acc_missing", [](const Account& c) -> Result<Account> { return c; }, ev).code(),
            ErrorCode::kNotFound);
  // Another project's account is invisible.
  EXPECT_EQ(store().FindAccount("prj_other", a->account.id).code(), ErrorCode::kNotFound);

  auto del = store().DeleteAccount(project_.id, b->account.id, ev);
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(del->id, b->account.id);
  EXPECT_EQ(store().DeleteAccount(project_.id, b->account.id, ev).code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().FindAccount(project_.id, b->account.id).code(), ErrorCode::kNotFound);
}

TEST_F(PgStoreTest, ListScanAndReplace) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(Complete(NewSession("owner-l" + std::to_string(i % 2), true))->account.id);
  AccountFilter f;
  f.project_id = project_.id;
  f.page_size = 2;
  std::vector<std::string> paged;
  for (f.page = 1; f.page <= 3; ++f.page) {
    auto page = store().ListAccounts(f);
    ASSERT_TRUE(page.ok()) << page.error().message;
    for (const auto& a : *page) paged.push_back(a.id);
  }
  EXPECT_EQ(paged, ids);
  f.page = 1;
  f.page_size = 100;
  f.owner_ids = {"owner-l1", std::string("bad\0", 4)};
  EXPECT_EQ(store().ListAccounts(f)->size(), 2u);
  f.owner_ids = {"\xff"};  // nothing storable left: matches nothing
  EXPECT_EQ(store().ListAccounts(f)->size(), 0u);
  f.owner_ids = {};
  f.statuses = {AccountStatus::kActive};
  f.providers = {"demohris", "other"};
  f.account_ids = {ids[0], ids[4]};
  EXPECT_EQ(store().ListAccounts(f)->size(), 2u);

  auto scan = store().ScanAccounts(0, 1000);
  ASSERT_TRUE(scan.ok());
  for (size_t i = 1; i < scan->size(); ++i) EXPECT_LT(scan->at(i - 1).seq, scan->at(i).seq);
  EXPECT_TRUE(*store().ReplaceCiphertext(ids[0], "ct", "ct-new"));
  EXPECT_FALSE(*store().ReplaceCiphertext(ids[0], "ct", "ct-newer"));
  EXPECT_EQ(store().FindAccount(project_.id, ids[0])->credentials_ciphertext, "ct-new");
}

TEST_F(PgStoreTest, WebhooksAndDeliveries) {
  WebhookEndpoint w{"whk_" + RandomHex(8), project_.id, "https://h.example/x", {"account.created", "account.updated"},
                    "s1", {}, {}, 1000};
  ASSERT_TRUE(store().CreateWebhook(w).ok());
  EXPECT_EQ(store().CreateWebhook(w).code(), ErrorCode::kConflict);
  auto list = store().ListWebhooks(project_.id);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->at(0).events, w.events);
  ASSERT_TRUE(store().UpdateWebhookSecrets(project_.id, w.id, "s2", std::string("s1"), 5000).ok());
  auto found = store().FindWebhook(w.id);
  EXPECT_EQ(found->secret_ciphertext, "s2");
  EXPECT_EQ(found->previous_secret_ciphertext, "s1");
  EXPECT_EQ(found->previous_secret_expires_at, 5000);
  EXPECT_EQ(store().UpdateWebhookSecrets("prj_x", w.id, "s", {}, {}).code(), ErrorCode::kNotFound);

  // Two events for account A, one for B: A's second waits for its first.
  ConnectSession sa = NewSession("owner-w1");
  auto a = Complete(sa, 2000);
  auto a2 = Complete(NewSession("owner-w1"), 2001);
  auto b = Complete(NewSession("owner-w2"), 2002);
  ASSERT_TRUE(a.ok() && a2.ok() && b.ok());
  // Claims span every project; keep only this endpoint's.
  auto mine = [&](Result<std::vector<Delivery>> r) {
    EXPECT_TRUE(r.ok());
    std::vector<Delivery> out;
    if (r.ok())
      for (auto& d : *r)
        if (d.endpoint_id == w.id) out.push_back(d);
    return out;
  };
  auto first = std::optional(mine(store().ClaimDeliveries(10'000, 100, 20'000)));
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ(first->at(0).account_id, a->account.id);
  EXPECT_EQ(first->at(1).account_id, b->account.id);
  EXPECT_EQ(mine(store().ClaimDeliveries(10'000, 100, 20'000)).size(), 0u);  // leased
  ASSERT_TRUE(store().FinishDelivery(first->at(0).id, DeliveryOutcome{DeliveryStatus::kDelivered, 0, 200, {}, 11'000}).ok());
  auto next = std::optional(mine(store().ClaimDeliveries(12'000, 100, 20'000)));
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ(next->at(0).account_id, a->account.id);
  EXPECT_EQ(next->at(0).event_type, "account.updated");
  auto history = store().ListDeliveries(project_.id, w.id, 10);
  ASSERT_EQ(history->size(), 3u);
  EXPECT_GT(history->at(0).id, history->at(1).id);  // newest first
  EXPECT_EQ(history->at(2).status, DeliveryStatus::kDelivered);
  EXPECT_EQ(history->at(2).attempts, 1);
  EXPECT_EQ(history->at(2).last_status, 200);

  ASSERT_TRUE(store().DeleteWebhook(project_.id, w.id).ok());
  EXPECT_EQ(store().DeleteWebhook(project_.id, w.id).code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().FindWebhook(w.id).code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().ListDeliveries(project_.id, w.id, 10)->size(), 0u);
}

TEST_F(PgStoreTest, ConcurrentClaimsNeverShareADelivery) {
  WebhookEndpoint w{"whk_" + RandomHex(8), project_.id, "https://h.example/y", {"account.created"}, "s", {}, {}, 1000};
  ASSERT_TRUE(store().CreateWebhook(w).ok());
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(Complete(NewSession("owner-q" + std::to_string(i)), 3000).ok());
  // A second store is a second instance with its own pool.
  auto other = OpenPostgresStore(url_);
  ASSERT_TRUE(other.ok());
  std::mutex mu;
  std::multiset<int64_t> claimed;
  std::vector<std::thread> ts;
  for (int t = 0; t < 6; ++t) {
    ts.emplace_back([&, t] {
      Store& s = t % 2 ? store() : **other;
      for (;;) {
        auto got = s.ClaimDeliveries(10'000, 4, 50'000);
        ASSERT_TRUE(got.ok()) << got.error().message;
        if (got->empty()) break;
        std::lock_guard lk(mu);
        for (const auto& d : *got)
          if (d.endpoint_id == w.id) claimed.insert(d.id);
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(claimed.size(), 60u);
  EXPECT_EQ(std::set<int64_t>(claimed.begin(), claimed.end()).size(), 60u);
}

TEST_F(PgStoreTest, SurvivesDroppedConnections) {
  ASSERT_TRUE(store().Ping().ok());
  // Warm every pooled connection, then have the server end them all (as a restart or failover would).
  std::vector<std::thread> ts;
  for (int i = 0; i < 6; ++i) ts.emplace_back([&] { EXPECT_TRUE(store().FindProject(project_.id).ok()); });
  for (auto& t : ts) t.join();
  Admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'connecthub-" + schema_ +
        "' AND pid <> pg_backend_pid()");
  // Reads retry once on a fresh connection; writes find the dead connection at BEGIN and reconnect.
  for (int i = 0; i < 8; ++i) {
    auto p = store().FindProject(project_.id);
    EXPECT_TRUE(p.ok()) << p.error().message;
  }
  Admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'connecthub-" + schema_ +
        "' AND pid <> pg_backend_pid()");
  for (int i = 0; i < 8; ++i) {
    auto s = store().CreateOrganization("after-restart", 1);
    EXPECT_TRUE(s.ok()) << s.error().message;
  }
}

TEST_F(PgStoreTest, TextThatPostgresCannotHoldIsRefusedNotTruncated) {
  auto r = store().CreateOrganization(std::string("a\0b", 3), 1);
  EXPECT_EQ(r.code(), ErrorCode::kInvalidArgument);
  auto bad = store().CreateOrganization("bad\xff utf8", 1);
  EXPECT_EQ(bad.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(store().Ping().ok());
}

}  // namespace
}  // namespace connecthub
