// The store contract suite: written only against the Store interface (store.h), run unchanged on
// every backend. SQLite runs on a fresh temporary file per test; PostgreSQL runs when
// CONNECTHUB_TEST_PG_URL names a database. The PostgreSQL database is shared between tests (and
// runs), so every test works in projects with fresh random ids and never relies on global counts.
#include "store/store.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/upsert.h"
#include "crypto/crypto.h"

namespace connecthub {
namespace {
using ::testing::HasSubstr;

// --- Backends -------------------------------------------------------------------------------

struct OpenedStore {
  std::unique_ptr<Store> store;
  std::string sqlite_path;  // removed after the test
};

struct BackendFactory {
  const char* name;
  // Opens a store in a clean state for one test; GTEST_SKIP()s itself (returns nullptr) when the
  // backend is not available.
  Result<OpenedStore> (*open)();
};

Result<OpenedStore> OpenSqlite() {
  auto path = std::filesystem::temp_directory_path() / ("connecthub-store-test-" + crypto::RandomId("", 16) + ".db");
  CH_TRY(auto store, OpenStore("sqlite:" + path.string()));
  return OpenedStore{std::move(store), path.string()};
}

Result<OpenedStore> OpenPostgres() {
  const char* url = std::getenv("CONNECTHUB_TEST_PG_URL");
  if (!url || !*url) return Unavailable("skip: CONNECTHUB_TEST_PG_URL is not set");
  CH_TRY(auto store, OpenStore(url));
  return OpenedStore{std::move(store), ""};
}

void PrintTo(const BackendFactory& b, std::ostream* os) { *os << b.name; }

const BackendFactory kBackends[] = {{"SQLite", &OpenSqlite}, {"PostgreSQL", &OpenPostgres}};

// --- Fixture and helpers --------------------------------------------------------------------

constexpr TimeMs kNow = 1714564800000;  // 2024-05-01T12:00:00Z

class StoreContractTest : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::Init());
    auto opened = GetParam().open();
    if (!opened.ok()) {
      const Error& e = opened.error();
      if (e.message.rfind("skip: ", 0) == 0) GTEST_SKIP() << e.message.substr(6);
      if (e.code == ErrorCode::kInvalidArgument && e.message.find("no PostgreSQL support") != std::string::npos) {
        GTEST_SKIP() << e.message;
      }
      FAIL() << GetParam().name << ": " << e.message;
    }
    store_ = std::move(opened->store);
    sqlite_path_ = opened->sqlite_path;
  }

  void TearDown() override {
    store_.reset();
    if (!sqlite_path_.empty()) {
      std::error_code ec;
      for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(sqlite_path_ + suffix, ec);
    }
  }

  Store& S() { return *store_; }

  Project NewProject() {
    auto org = S().CreateOrganization("Org " + crypto::RandomId("", 6), kNow);
    EXPECT_TRUE(org.ok()) << org.error().message;
    Project p;
    p.id = crypto::RandomId("prj_");
    p.organization_id = org.ok() ? org->id : 0;
    p.name = "Project";
    p.allowed_origins = {"https://app.example.com"};
    p.created_at = kNow;
    auto created = S().CreateProject(p);
    EXPECT_TRUE(created.ok()) << created.error().message;
    return p;
  }

  struct SessionSpec {
    std::string owner_id = "cust-1";
    std::string owner_name = "Acme";
    std::optional<std::string> provider = "bamboohr";
    std::optional<std::string> account_id{};
    bool multiple = false;
    TimeMs expires_at = kNow + 1800 * 1000;
  };

  ConnectSession NewSession(const Project& p, const SessionSpec& spec) {
    ConnectSession s = SessionRow(p, spec);
    auto created = S().CreateSession(s);
    EXPECT_TRUE(created.ok()) << created.error().message;
    return created.ok() ? *created : s;
  }

  // A session as a handler would make it, not yet stored.
  ConnectSession SessionRow(const Project& p, const SessionSpec& spec) {
    ConnectSession s;
    s.project_id = p.id;
    s.organization_id = p.organization_id;
    s.origin_owner_id = spec.owner_id;
    s.origin_owner_name = spec.owner_name;
    s.origin_username = "wile";
    s.provider = spec.provider;
    s.categories = {"hris", "ats"};
    s.account_id = spec.account_id;
    s.label = "Label";
    s.multiple = spec.multiple;
    s.metadata_json = R"({"k":"v"})";
    s.type = AccountType::kTest;
    s.token_hash = crypto::TokenHash(crypto::RandomToken("cst_"));
    s.created_at = kNow;
    s.expires_at = spec.expires_at;
    return s;
  }

  ConnectSession NewSession(const Project& p) { return NewSession(p, SessionSpec{}); }

  // The decision the hub makes (core DecideUpsert), writing `ciphertext` as the credentials.
  static Store::DecideFn Decider(std::string provider, std::string ciphertext, TimeMs now = kNow) {
    return [provider, ciphertext, now](const CompletionContext& c) -> Result<AccountWrite> {
      CH_TRY(UpsertDecision d, DecideUpsert(c.session, provider, c.existing_for_key, c.session_account));
      AccountWrite w;
      if (d.action == UpsertAction::kCreate) {
        w.create = true;
        w.account.id = crypto::RandomId("acc_");
        w.account.project_id = c.session.project_id;
        w.account.provider = provider;
        w.account.origin_owner_id = c.session.origin_owner_id;
        w.account.origin_owner_name = c.session.origin_owner_name;
        w.account.multiple = c.session.multiple;
        w.account.created_at = now;
      } else {
        const Account* current = c.session_account && c.session_account->id == d.account_id ? c.session_account : nullptr;
        for (const auto& a : c.existing_for_key)
          if (a.id == d.account_id) current = &a;
        if (!current) return Internal("decided account not in context");
        w.account = *current;
      }
      w.account.integration_id = "int_" + provider;
      w.account.status = AccountStatus::kActive;
      w.account.origin_username = c.session.origin_username;
      w.account.label = c.session.label;
      w.account.metadata_json = c.session.metadata_json;
      w.account.type = c.session.type;
      w.account.updated_at = now;
      w.account.credentials_ciphertext = ciphertext;
      return w;
    };
  }

  static Store::EventFn Events(std::atomic<int>* calls = nullptr) {
    return [calls](const Account& a, bool created) -> std::optional<OutboxEvent> {
      if (calls) ++*calls;
      return OutboxEvent{a.project_id, created ? "account.created" : "account.updated", a.id,
                         R"({"type":")" + std::string(created ? "account.created" : "account.updated") + R"("})", kNow};
    };
  }

  static Store::EventFn DeleteEvent() {
    return [](const Account& a, bool) -> std::optional<OutboxEvent> {
      return OutboxEvent{a.project_id, "account.deleted", a.id, R"({"type":"account.deleted"})", kNow};
    };
  }

  Result<Completion> Complete(const ConnectSession& s, std::string provider = "bamboohr", std::string ct = "ct-1",
                              TimeMs now = kNow) {
    return S().CompleteSession(s.id, provider, now, Decider(provider, ct, now), Events());
  }

  // A new account through a completed session.
  Account NewAccount(const Project& p, SessionSpec spec, std::string ct = "ct-1") {
    ConnectSession s = NewSession(p, spec);
    auto c = Complete(s, spec.provider.value_or("bamboohr"), ct);
    EXPECT_TRUE(c.ok()) << c.error().message;
    EXPECT_TRUE(c.ok() && c->created);
    return c.ok() ? c->account : Account{};
  }

  std::string NewWebhook(const Project& p) {
    WebhookEndpoint w;
    w.id = crypto::RandomId("whk_");
    w.project_id = p.id;
    w.url = "https://hooks.example.com/in";
    w.events = {"account.created", "account.updated", "account.deleted"};
    w.secret_ciphertext = "secret-ct";
    w.created_at = kNow;
    auto st = S().CreateWebhook(w);
    EXPECT_TRUE(st.ok()) << st.error().message;
    return w.id;
  }

  std::vector<Delivery> Deliveries(const Project& p, const std::string& endpoint) {
    auto d = S().ListDeliveries(p.id, endpoint, 1000);
    EXPECT_TRUE(d.ok()) << d.error().message;
    return d.ok() ? *d : std::vector<Delivery>{};
  }

  std::vector<Account> List(AccountFilter f) {
    f.page_size = f.page_size == 25 ? 1000 : f.page_size;
    auto r = S().ListAccounts(f);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : std::vector<Account>{};
  }

  static std::vector<std::string> Ids(const std::vector<Account>& v) {
    std::vector<std::string> out;
    for (const auto& a : v) out.push_back(a.id);
    return out;
  }

  std::unique_ptr<Store> store_;
  std::string sqlite_path_;
};

// --- Migrations and health ------------------------------------------------------------------

TEST_P(StoreContractTest, MigrateIsIdempotent) {
  auto first = S().Migrate();
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_GE(*first, 0);
  auto second = S().Migrate();
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(*second, 0);
  EXPECT_TRUE(S().Ping().ok());
}

// --- Tenancy --------------------------------------------------------------------------------

TEST_P(StoreContractTest, OrganizationsAndProjects) {
  auto o1 = S().CreateOrganization("One", kNow);
  auto o2 = S().CreateOrganization("Two", kNow + 1);
  ASSERT_TRUE(o1.ok() && o2.ok());
  EXPECT_GT(o1->id, 0);
  EXPECT_NE(o1->id, o2->id);
  EXPECT_EQ(o1->name, "One");
  EXPECT_EQ(o2->created_at, kNow + 1);

  Project p = NewProject();
  auto found = S().FindProject(p.id);
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(found->id, p.id);
  EXPECT_EQ(found->organization_id, p.organization_id);
  EXPECT_EQ(found->name, p.name);
  EXPECT_EQ(found->allowed_origins, p.allowed_origins);
  EXPECT_EQ(found->created_at, kNow);

  EXPECT_EQ(S().FindProject("prj_does_not_exist").code(), ErrorCode::kNotFound);

  auto all = S().ListProjects();
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(std::any_of(all->begin(), all->end(), [&](const Project& x) { return x.id == p.id; }));

  ASSERT_TRUE(S().SetAllowedOrigins(p.id, {"https://a.example", "https://b.example"}).ok());
  EXPECT_EQ(S().FindProject(p.id)->allowed_origins, (std::vector<std::string>{"https://a.example", "https://b.example"}));
  ASSERT_TRUE(S().SetAllowedOrigins(p.id, {}).ok());
  EXPECT_TRUE(S().FindProject(p.id)->allowed_origins.empty());
  EXPECT_EQ(S().SetAllowedOrigins("prj_does_not_exist", {"x"}).code(), ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, DuplicateProjectIdIsConflict) {
  Project p = NewProject();
  auto again = S().CreateProject(p);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.code(), ErrorCode::kConflict);
}

TEST_P(StoreContractTest, ApiKeys) {
  Project p = NewProject();
  Project other = NewProject();
  const std::string secret = crypto::RandomToken("chk_");
  ApiKey k{crypto::RandomId("key_"), p.id, crypto::TokenHash(secret), secret.substr(0, 8), kNow, std::nullopt};
  ASSERT_TRUE(S().CreateApiKey(k).ok());
  ApiKey k2{crypto::RandomId("key_"), p.id, crypto::TokenHash(crypto::RandomToken("chk_")), "chk_yyyy", kNow + 1, std::nullopt};
  ASSERT_TRUE(S().CreateApiKey(k2).ok());

  auto found = S().FindProjectByApiKeyHash(crypto::TokenHash(secret));
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(found->id, p.id);
  EXPECT_EQ(found->organization_id, p.organization_id);
  EXPECT_EQ(S().FindProjectByApiKeyHash(crypto::TokenHash("unknown")).code(), ErrorCode::kNotFound);
  EXPECT_EQ(S().FindProjectByApiKeyHash(secret).code(), ErrorCode::kNotFound);  // the secret itself is not the hash

  auto keys = S().ListApiKeys(p.id);
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].id, k.id);
  EXPECT_EQ((*keys)[0].hash, k.hash);
  EXPECT_EQ((*keys)[0].prefix, k.prefix);
  EXPECT_FALSE((*keys)[0].revoked_at.has_value());
  EXPECT_TRUE(S().ListApiKeys(other.id)->empty());

  // Another project's key id is not found, and stays valid.
  EXPECT_EQ(S().RevokeApiKey(other.id, k.id, kNow).code(), ErrorCode::kNotFound);
  EXPECT_TRUE(S().FindProjectByApiKeyHash(k.hash).ok());

  ASSERT_TRUE(S().RevokeApiKey(p.id, k.id, kNow + 5).ok());
  EXPECT_EQ(S().FindProjectByApiKeyHash(k.hash).code(), ErrorCode::kNotFound);
  EXPECT_TRUE(S().FindProjectByApiKeyHash(k2.hash).ok());  // only that key
  EXPECT_EQ(S().RevokeApiKey(p.id, k.id, kNow + 6).code(), ErrorCode::kNotFound);
  EXPECT_EQ(S().RevokeApiKey(p.id, "key_does_not_exist", kNow).code(), ErrorCode::kNotFound);

  keys = S().ListApiKeys(p.id);
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 2u);
  for (const auto& key : *keys) {
    if (key.id == k.id) EXPECT_EQ(key.revoked_at, std::optional<TimeMs>(kNow + 5));  // first revocation kept
    else EXPECT_FALSE(key.revoked_at.has_value());
  }
}

// --- Integrations ---------------------------------------------------------------------------

TEST_P(StoreContractTest, PutIntegrationUpsertsKeepingIdAndCreatedAt) {
  Project p = NewProject();
  Project other = NewProject();
  Integration i{crypto::RandomId("int_"), p.id, "bamboohr", true, {{"base_url", "https://a.example"}}, kNow, kNow};
  auto first = S().PutIntegration(i);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->id, i.id);
  EXPECT_EQ(first->created_at, kNow);

  Integration again{crypto::RandomId("int_"), p.id, "bamboohr", false, {{"base_url", "https://b.example"}}, kNow + 100,
                    kNow + 100};
  auto second = S().PutIntegration(again);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->id, i.id);
  EXPECT_EQ(second->created_at, kNow);
  EXPECT_FALSE(second->enabled);

  Integration hibob{crypto::RandomId("int_"), p.id, "hibob", true, {}, kNow, kNow};
  ASSERT_TRUE(S().PutIntegration(hibob).ok());
  // The same provider in another project is another integration.
  Integration theirs{crypto::RandomId("int_"), other.id, "bamboohr", true, {}, kNow, kNow};
  auto t = S().PutIntegration(theirs);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->id, theirs.id);

  auto list = S().ListIntegrations(p.id);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  const Integration* b = nullptr;
  for (const auto& x : *list)
    if (x.provider == "bamboohr") b = &x;
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->id, i.id);
  EXPECT_EQ(b->project_id, p.id);
  EXPECT_FALSE(b->enabled);
  EXPECT_EQ(b->settings, (std::map<std::string, std::string>{{"base_url", "https://b.example"}}));
  EXPECT_EQ(b->created_at, kNow);
  EXPECT_EQ(b->updated_at, kNow + 100);
  EXPECT_EQ(S().ListIntegrations(other.id)->size(), 1u);
  EXPECT_TRUE(S().ListIntegrations("prj_none")->empty());
}

// --- Connect sessions -----------------------------------------------------------------------

TEST_P(StoreContractTest, CreateSessionAssignsIncreasingIdsAndRoundTrips) {
  Project p = NewProject();
  ConnectSession a = NewSession(p);
  ConnectSession b = NewSession(p);
  ConnectSession c = NewSession(p);
  EXPECT_GT(a.id, 0);
  EXPECT_LT(a.id, b.id);
  EXPECT_LT(b.id, c.id);

  auto found = S().FindSessionByTokenHash(b.token_hash);
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(found->id, b.id);
  EXPECT_EQ(found->project_id, p.id);
  EXPECT_EQ(found->organization_id, p.organization_id);
  EXPECT_EQ(found->origin_owner_id, "cust-1");
  EXPECT_EQ(found->origin_owner_name, "Acme");
  EXPECT_EQ(found->origin_username, "wile");
  EXPECT_EQ(found->provider, "bamboohr");
  EXPECT_EQ(found->categories, (std::vector<std::string>{"hris", "ats"}));
  EXPECT_FALSE(found->account_id.has_value());
  EXPECT_EQ(found->label, "Label");
  EXPECT_FALSE(found->multiple);
  EXPECT_EQ(found->metadata_json, R"({"k":"v"})");
  EXPECT_EQ(found->type, AccountType::kTest);
  EXPECT_EQ(found->token_hash, b.token_hash);
  EXPECT_EQ(found->created_at, kNow);
  EXPECT_EQ(found->expires_at, kNow + 1800 * 1000);
  EXPECT_FALSE(found->spent_at.has_value());
  EXPECT_FALSE(found->completed_account_id.has_value());

  EXPECT_EQ(S().FindSessionByTokenHash(crypto::TokenHash("nope")).code(), ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, CreateSessionAsyncAnswersEachOnceWhenStored) {
  if (!S().HasAsyncSessionWrites()) GTEST_SKIP() << "this store has no asynchronous session writes";
  Project p = NewProject();
  constexpr int kN = 60;
  std::vector<ConnectSession> rows;
  for (int i = 0; i < kN; ++i) {
    SessionSpec spec;
    spec.owner_id = "async-" + std::to_string(i);
    rows.push_back(SessionRow(p, spec));
  }
  rows[7].origin_owner_name = "quote \" and backslash \\ and , {braces} NULL";
  rows[8].provider.reset();
  rows[8].metadata_json.reset();
  rows[8].categories.clear();
  rows[kN - 1].token_hash = rows[0].token_hash;  // one duplicate: exactly one of the two may be stored

  std::mutex mu;
  std::condition_variable cv;
  int answered = 0;
  std::vector<std::optional<Result<ConnectSession>>> got(kN);
  std::vector<int> calls(kN, 0);
  // From several threads at once, as the I/O threads queue them.
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kN; i += 3) {
        bool queued = S().CreateSessionAsync(rows[i], [&, i](Result<ConnectSession> r) {
          std::lock_guard lk(mu);
          ++calls[i];
          got[i] = std::move(r);
          ++answered;
          cv.notify_all();
        });
        EXPECT_TRUE(queued);
      }
    });
  }
  for (auto& t : threads) t.join();
  {
    std::unique_lock lk(mu);
    ASSERT_TRUE(cv.wait_for(lk, std::chrono::seconds(20), [&] { return answered == kN; })) << answered << " of " << kN;
  }
  std::set<int64_t> ids;
  for (int i = 0; i < kN; ++i) {
    EXPECT_EQ(calls[i], 1) << i;
    ASSERT_TRUE(got[i].has_value());
    if (i == 0 || i == kN - 1) continue;
    ASSERT_TRUE(got[i]->ok()) << i << ": " << got[i]->error().message;
    const ConnectSession& s = got[i]->value();
    EXPECT_GT(s.id, 0);
    ids.insert(s.id);
    auto found = S().FindSessionByTokenHash(rows[i].token_hash);
    ASSERT_TRUE(found.ok()) << i;
    EXPECT_EQ(found->id, s.id);
    EXPECT_EQ(found->origin_owner_id, rows[i].origin_owner_id);
    EXPECT_EQ(found->origin_owner_name, rows[i].origin_owner_name);
    EXPECT_EQ(found->provider, rows[i].provider);
    EXPECT_EQ(found->metadata_json, rows[i].metadata_json);
    EXPECT_EQ(found->categories, rows[i].categories);
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kN - 2)) << "ids are distinct";
  EXPECT_NE(got[0]->ok(), got[kN - 1]->ok()) << "exactly one of two sessions with the same token hash is stored";
}

TEST_P(StoreContractTest, SessionWithoutOptionalFieldsRoundTrips) {
  Project p = NewProject();
  ConnectSession s;
  s.project_id = p.id;
  s.organization_id = p.organization_id;
  s.origin_owner_id = "o";
  s.origin_owner_name = "n";
  s.token_hash = crypto::TokenHash(crypto::RandomToken("cst_"));
  s.created_at = kNow;
  s.expires_at = kNow + 1000;
  auto created = S().CreateSession(s);
  ASSERT_TRUE(created.ok());
  auto found = S().FindSessionByTokenHash(s.token_hash);
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->origin_username.has_value());
  EXPECT_FALSE(found->provider.has_value());
  EXPECT_TRUE(found->categories.empty());
  EXPECT_FALSE(found->label.has_value());
  EXPECT_FALSE(found->metadata_json.has_value());
  EXPECT_EQ(found->type, AccountType::kProduction);
}

TEST_P(StoreContractTest, DeleteExpiredSessions) {
  // Times far in the past that no other test uses, so a shared database does not disturb the count.
  ASSERT_TRUE(S().DeleteExpiredSessions(1000).ok());
  Project p = NewProject();
  SessionSpec old_spec;
  old_spec.expires_at = 500;
  SessionSpec edge_spec;
  edge_spec.expires_at = 1000;
  ConnectSession old = NewSession(p, old_spec);
  ConnectSession edge = NewSession(p, edge_spec);
  ConnectSession fresh = NewSession(p);
  auto n = S().DeleteExpiredSessions(1000);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(S().FindSessionByTokenHash(old.token_hash).code(), ErrorCode::kNotFound);
  EXPECT_TRUE(S().FindSessionByTokenHash(edge.token_hash).ok());  // expired *before* 1000 only
  EXPECT_TRUE(S().FindSessionByTokenHash(fresh.token_hash).ok());
  n = S().DeleteExpiredSessions(1000);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
}

// --- CompleteSession ------------------------------------------------------------------------

TEST_P(StoreContractTest, CompleteSessionCreates) {
  Project p = NewProject();
  std::string hook = NewWebhook(p);
  ConnectSession s = NewSession(p);
  std::atomic<int> event_calls{0};
  auto c = S().CompleteSession(s.id, "bamboohr", kNow + 10, Decider("bamboohr", "ct-A", kNow + 10), Events(&event_calls));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->created);
  EXPECT_EQ(c->deliveries, 1) << "the one endpoint wants account.created";
  EXPECT_EQ(event_calls.load(), 1);
  const Account& a = c->account;
  EXPECT_FALSE(a.id.empty());
  EXPECT_GT(a.seq, 0);

  auto stored = S().FindAccount(p.id, a.id);
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  EXPECT_EQ(stored->seq, a.seq);
  EXPECT_EQ(stored->project_id, p.id);
  EXPECT_EQ(stored->provider, "bamboohr");
  EXPECT_EQ(stored->integration_id, "int_bamboohr");
  EXPECT_EQ(stored->origin_owner_id, "cust-1");
  EXPECT_EQ(stored->origin_owner_name, "Acme");
  EXPECT_EQ(stored->origin_username, "wile");
  EXPECT_EQ(stored->label, "Label");
  EXPECT_EQ(stored->metadata_json, R"({"k":"v"})");
  EXPECT_EQ(stored->type, AccountType::kTest);
  EXPECT_EQ(stored->status, AccountStatus::kActive);
  EXPECT_FALSE(stored->multiple);
  EXPECT_EQ(stored->credentials_ciphertext, "ct-A");
  EXPECT_EQ(stored->created_at, kNow + 10);
  EXPECT_EQ(stored->updated_at, kNow + 10);

  auto session = S().FindSessionByTokenHash(s.token_hash);
  ASSERT_TRUE(session.ok());
  EXPECT_EQ(session->spent_at, std::optional<TimeMs>(kNow + 10));
  EXPECT_EQ(session->completed_account_id, a.id);

  auto d = Deliveries(p, hook);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].event_type, "account.created");
  EXPECT_EQ(d[0].account_id, a.id);
  EXPECT_EQ(d[0].status, DeliveryStatus::kPending);
}

TEST_P(StoreContractTest, CompleteSessionUpdates) {
  Project p = NewProject();
  Account first = NewAccount(p, {}, "ct-old");
  std::string hook = NewWebhook(p);
  ConnectSession s = NewSession(p);  // same key, multiple=false
  auto c = Complete(s, "bamboohr", "ct-new", kNow + 50);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_FALSE(c->created);
  EXPECT_EQ(c->account.id, first.id);

  auto stored = S().FindAccount(p.id, first.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->credentials_ciphertext, "ct-new");
  EXPECT_EQ(stored->seq, first.seq);
  EXPECT_EQ(stored->created_at, first.created_at);
  EXPECT_EQ(stored->updated_at, kNow + 50);
  EXPECT_EQ(List({.project_id = p.id}).size(), 1u);

  auto d = Deliveries(p, hook);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].event_type, "account.updated");
  EXPECT_EQ(d[0].account_id, first.id);
}

TEST_P(StoreContractTest, CompleteSessionWithAccountIdUpdatesThatAccount) {
  Project p = NewProject();
  Account a = NewAccount(p, {.multiple = true}, "ct-a");
  Account b = NewAccount(p, {.multiple = true}, "ct-b");
  SessionSpec spec;
  spec.account_id = b.id;
  spec.provider = std::nullopt;
  ConnectSession s = NewSession(p, spec);
  bool saw_account = false;
  auto decide = [&](const CompletionContext& c) -> Result<AccountWrite> {
    saw_account = c.session_account && c.session_account->id == b.id;
    EXPECT_EQ(c.existing_for_key.size(), 2u);
    EXPECT_EQ(c.session.id, s.id);
    return Decider("bamboohr", "ct-b2")(c);
  };
  auto c = S().CompleteSession(s.id, "bamboohr", kNow, decide, Events());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(saw_account);
  EXPECT_FALSE(c->created);
  EXPECT_EQ(c->account.id, b.id);
  EXPECT_EQ(S().FindAccount(p.id, b.id)->credentials_ciphertext, "ct-b2");
  EXPECT_EQ(S().FindAccount(p.id, a.id)->credentials_ciphertext, "ct-a");
}

TEST_P(StoreContractTest, CompletionContextHasTheKeyAccountsOldestFirst) {
  Project p = NewProject();
  Account a1 = NewAccount(p, {.multiple = true});
  Account a2 = NewAccount(p, {.multiple = true});
  NewAccount(p, {.owner_name = "Other Name", .multiple = true});
  NewAccount(p, {.provider = "hibob", .multiple = true});
  ConnectSession s = NewSession(p, {.multiple = true});
  std::vector<std::string> seen;
  auto decide = [&](const CompletionContext& c) -> Result<AccountWrite> {
    seen = Ids(c.existing_for_key);
    EXPECT_EQ(c.session_account, nullptr);
    return Decider("bamboohr", "ct")(c);
  };
  ASSERT_TRUE(S().CompleteSession(s.id, "bamboohr", kNow, decide, Events()).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{a1.id, a2.id}));
}

TEST_P(StoreContractTest, SessionIsSpentAfterCompletion) {
  Project p = NewProject();
  ConnectSession s = NewSession(p, {.multiple = true});
  ASSERT_TRUE(Complete(s).ok());
  std::atomic<int> decide_calls{0};
  auto again = S().CompleteSession(
      s.id, "bamboohr", kNow + 1,
      [&](const CompletionContext& c) -> Result<AccountWrite> {
        ++decide_calls;
        return Decider("bamboohr", "ct-2")(c);
      },
      Events());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(decide_calls.load(), 0);
  EXPECT_EQ(List({.project_id = p.id}).size(), 1u);
}

// CompleteSessionAsync (the hub's hot path): a store that has it reads the session by token hash and
// the session project's integration inside the write, lets `resolve` refuse with nothing written, and
// otherwise behaves as CompleteSession, answering each call exactly once.
TEST_P(StoreContractTest, CompleteSessionAsyncReadsByTokenInsideTheWrite) {
  Project p = NewProject();
  Project other = NewProject();
  std::string hook = NewWebhook(p);
  Integration mine{crypto::RandomId("int_"), p.id, "bamboohr", true, {{"base_url", "https://a.example"}}, kNow, kNow};
  Integration theirs{crypto::RandomId("int_"), other.id, "bamboohr", true, {}, kNow, kNow};
  ASSERT_TRUE(S().PutIntegration(mine).ok());
  ASSERT_TRUE(S().PutIntegration(theirs).ok());
  ConnectSession s = NewSession(p);

  struct Seen {
    std::optional<ConnectSession> session;
    std::optional<Integration> integration;
    int resolves = 0;
  };
  // Runs one asynchronous completion and waits for its answer; nullopt when the store has no such path.
  auto run = [&](const std::string& token_hash, const std::string& integration_id, Seen& seen,
                 std::function<Result<std::string>(const ConnectSession*, const Integration*)> resolve,
                 TimeMs now = kNow + 10, std::string ct = "ct-async") -> std::optional<Result<Completion>> {
    std::mutex mu;
    std::condition_variable cv;
    int calls = 0;
    std::optional<Result<Completion>> got;
    bool queued = S().CompleteSessionAsync(
        token_hash, integration_id, now,
        [&](const ConnectSession* cs, const Integration* in) {
          ++seen.resolves;
          seen.session = cs ? std::optional<ConnectSession>(*cs) : std::nullopt;
          seen.integration = in ? std::optional<Integration>(*in) : std::nullopt;
          return resolve(cs, in);
        },
        Decider("bamboohr", ct, now), Events(), [&](Result<Completion> r) {
          std::lock_guard lk(mu);
          ++calls;
          got = std::move(r);
          cv.notify_all();
        });
    if (!queued) return std::nullopt;
    std::unique_lock lk(mu);
    EXPECT_TRUE(cv.wait_for(lk, std::chrono::seconds(20), [&] { return calls > 0; }));
    lk.unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    lk.lock();
    EXPECT_EQ(calls, 1) << "answered exactly once";
    return got;
  };
  auto accept = [](const ConnectSession*, const Integration* in) -> Result<std::string> {
    if (!in) return NotFound("no integration");
    return in->provider;
  };

  // Unknown token: resolve sees no session (and so no integration); its error is the answer.
  Seen unknown;
  auto none = run("no-such-hash", mine.id, unknown, [](const ConnectSession* cs, const Integration*) -> Result<std::string> {
    if (!cs) return Unauthenticated("not valid");
    return std::string("bamboohr");
  });
  if (!none) GTEST_SKIP() << "this store has no asynchronous completions";
  EXPECT_EQ(none->code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(unknown.resolves, 1);
  EXPECT_FALSE(unknown.session.has_value());
  EXPECT_FALSE(unknown.integration.has_value());

  // Another project's integration id is invisible; a refusal writes nothing and leaves the token.
  Seen foreign;
  auto refused = run(s.token_hash, theirs.id, foreign, accept);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->code(), ErrorCode::kNotFound);
  ASSERT_TRUE(foreign.session.has_value());
  EXPECT_EQ(foreign.session->id, s.id);
  EXPECT_FALSE(foreign.integration.has_value());
  EXPECT_TRUE(List({.project_id = p.id}).empty());
  EXPECT_FALSE(S().FindSessionByTokenHash(s.token_hash)->spent_at.has_value());
  EXPECT_TRUE(Deliveries(p, hook).empty());

  // The session's own integration: resolved with every field, then completed as CompleteSession does.
  Seen ok_seen;
  auto done = run(s.token_hash, mine.id, ok_seen, accept);
  ASSERT_TRUE(done.has_value());
  ASSERT_TRUE(done->ok()) << done->error().message;
  EXPECT_TRUE((*done)->created);
  EXPECT_EQ((*done)->deliveries, 1);
  ASSERT_TRUE(ok_seen.integration.has_value());
  EXPECT_EQ(ok_seen.integration->id, mine.id);
  EXPECT_EQ(ok_seen.integration->project_id, p.id);
  EXPECT_EQ(ok_seen.integration->provider, "bamboohr");
  EXPECT_TRUE(ok_seen.integration->enabled);
  EXPECT_EQ(ok_seen.integration->settings, (std::map<std::string, std::string>{{"base_url", "https://a.example"}}));
  auto stored = S().FindAccount(p.id, (*done)->account.id);
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  EXPECT_EQ(stored->credentials_ciphertext, "ct-async");
  EXPECT_EQ(stored->origin_owner_id, "cust-1");
  EXPECT_EQ(S().FindSessionByTokenHash(s.token_hash)->spent_at, std::optional<TimeMs>(kNow + 10));
  ASSERT_EQ(Deliveries(p, hook).size(), 1u);

  // Spent now: the same token again is refused by the store after resolve accepted it.
  Seen again_seen;
  auto again = run(s.token_hash, mine.id, again_seen, accept, kNow + 20, "ct-again");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(List({.project_id = p.id}).size(), 1u);
  EXPECT_EQ(S().FindAccount(p.id, (*done)->account.id)->credentials_ciphertext, "ct-async");

  // An expired session likewise, with nothing written.
  SessionSpec short_lived;
  short_lived.owner_id = "cust-expired";
  short_lived.expires_at = kNow + 5;
  ConnectSession expired = NewSession(p, short_lived);
  Seen expired_seen;
  auto late = run(expired.token_hash, mine.id, expired_seen, accept, kNow + 10);
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(late->code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(List({.project_id = p.id}).size(), 1u);
}

TEST_P(StoreContractTest, ExpiredOrUnknownSessionIsUnauthenticated) {
  Project p = NewProject();
  SessionSpec spec;
  spec.expires_at = kNow + 1000;
  ConnectSession s = NewSession(p, spec);
  auto at_expiry = Complete(s, "bamboohr", "ct", kNow + 1000);
  ASSERT_FALSE(at_expiry.ok());
  EXPECT_EQ(at_expiry.code(), ErrorCode::kUnauthenticated);
  auto after = Complete(s, "bamboohr", "ct", kNow + 5000);
  EXPECT_EQ(after.code(), ErrorCode::kUnauthenticated);
  EXPECT_TRUE(List({.project_id = p.id}).empty());
  EXPECT_FALSE(S().FindSessionByTokenHash(s.token_hash)->spent_at.has_value());
  // Just before expiry it works.
  EXPECT_TRUE(Complete(s, "bamboohr", "ct", kNow + 999).ok());

  ConnectSession ghost;
  ghost.id = 987654321012;
  EXPECT_EQ(Complete(ghost).code(), ErrorCode::kUnauthenticated);
}

TEST_P(StoreContractTest, FailingDecideChangesNothing) {
  Project p = NewProject();
  std::string hook = NewWebhook(p);
  ConnectSession s = NewSession(p);
  std::atomic<int> event_calls{0};
  auto failed = S().CompleteSession(
      s.id, "bamboohr", kNow, [](const CompletionContext&) -> Result<AccountWrite> { return PermissionDenied("no"); },
      Events(&event_calls));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(event_calls.load(), 0);
  EXPECT_TRUE(List({.project_id = p.id}).empty());
  EXPECT_FALSE(S().FindSessionByTokenHash(s.token_hash)->spent_at.has_value());
  EXPECT_TRUE(Deliveries(p, hook).empty());

  // The provider the rules refuse (core DecideUpsert): same outcome.
  auto wrong = Complete(s, "hibob");
  EXPECT_EQ(wrong.code(), ErrorCode::kPermissionDenied);
  EXPECT_TRUE(List({.project_id = p.id}).empty());

  // Still usable.
  auto ok = Complete(s);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_TRUE(ok->created);
  EXPECT_EQ(Deliveries(p, hook).size(), 1u);
}

TEST_P(StoreContractTest, FailingWriteChangesNothing) {
  Project p = NewProject();
  Account existing = NewAccount(p, {.multiple = true});
  std::string hook = NewWebhook(p);
  ConnectSession s = NewSession(p, {.multiple = true});
  // An insert that breaks a uniqueness rule (an account id already taken).
  auto dup = S().CompleteSession(
      s.id, "bamboohr", kNow,
      [&](const CompletionContext& c) -> Result<AccountWrite> {
        CH_TRY(AccountWrite w, Decider("bamboohr", "ct")(c));
        w.account.id = existing.id;
        return w;
      },
      Events());
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.code(), ErrorCode::kConflict);
  // An update of a row that does not exist.
  auto ghost = S().CompleteSession(
      s.id, "bamboohr", kNow,
      [&](const CompletionContext& c) -> Result<AccountWrite> {
        AccountWrite w{false, existing};
        w.account.id = "acc_ghost";
        return w;
      },
      Events());
  ASSERT_FALSE(ghost.ok());
  EXPECT_EQ(List({.project_id = p.id}).size(), 1u);
  EXPECT_EQ(S().FindAccount(p.id, existing.id)->credentials_ciphertext, "ct-1");
  EXPECT_FALSE(S().FindSessionByTokenHash(s.token_hash)->spent_at.has_value());
  EXPECT_TRUE(Deliveries(p, hook).empty());
  EXPECT_TRUE(Complete(s).ok());
}

TEST_P(StoreContractTest, NoEventMeansNoDelivery) {
  Project p = NewProject();
  std::string hook = NewWebhook(p);
  ConnectSession s = NewSession(p);
  auto c = S().CompleteSession(s.id, "bamboohr", kNow, Decider("bamboohr", "ct"),
                               [](const Account&, bool) -> std::optional<OutboxEvent> { return std::nullopt; });
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->deliveries, 0);
  EXPECT_TRUE(Deliveries(p, hook).empty());

  // An event no endpoint wants queues nothing either (the project has no endpoint at all).
  Project quiet = NewProject();
  auto none = Complete(NewSession(quiet, SessionSpec{}));
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_EQ(none->deliveries, 0);
}

// --- UpdateAccount / DeleteAccount ----------------------------------------------------------

TEST_P(StoreContractTest, UpdateAccountWritesTheMutation) {
  Project p = NewProject();
  Account a = NewAccount(p, {});
  std::string hook = NewWebhook(p);
  auto u = S().UpdateAccount(
      p.id, a.id,
      [](const Account& cur) -> Result<Account> {
        Account n = cur;
        n.label = "New label";
        n.status = AccountStatus::kInactive;
        n.status_reasons = {{"paused", "Paused by the API", kNow + 7}};
        n.updated_at = kNow + 7;
        return n;
      },
      Events());
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(u->id, a.id);
  auto stored = S().FindAccount(p.id, a.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->label, "New label");
  EXPECT_EQ(stored->status, AccountStatus::kInactive);
  ASSERT_EQ(stored->status_reasons.size(), 1u);
  EXPECT_EQ(stored->status_reasons[0].code, "paused");
  EXPECT_EQ(stored->status_reasons[0].description, "Paused by the API");
  EXPECT_EQ(stored->status_reasons[0].timestamp, kNow + 7);
  EXPECT_EQ(stored->updated_at, kNow + 7);
  EXPECT_EQ(stored->created_at, a.created_at);
  EXPECT_EQ(stored->seq, a.seq);
  auto d = Deliveries(p, hook);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].event_type, "account.updated");
}

TEST_P(StoreContractTest, UpdateAccountNoOpWritesNothing) {
  Project p = NewProject();
  Account a = NewAccount(p, {});
  std::string hook = NewWebhook(p);
  std::atomic<int> event_calls{0};
  auto u = S().UpdateAccount(p.id, a.id, [](const Account& cur) -> Result<Account> { return cur; }, Events(&event_calls));
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(u->id, a.id);
  EXPECT_EQ(u->updated_at, a.updated_at);
  EXPECT_EQ(event_calls.load(), 0);
  EXPECT_EQ(S().FindAccount(p.id, a.id)->updated_at, a.updated_at);
  EXPECT_TRUE(Deliveries(p, hook).empty());
}

TEST_P(StoreContractTest, UpdateAccountWritesChangedStatusReasons) {
  Project p = NewProject();
  Account a = NewAccount(p, {});
  auto set_reason = [](StatusReason r) {
    return [r](const Account& cur) -> Result<Account> {
      Account n = cur;
      n.status_reasons = {r};
      return n;
    };
  };
  ASSERT_TRUE(S().UpdateAccount(p.id, a.id, set_reason({"first", "First reason", kNow + 1}), Events()).ok());
  ASSERT_EQ(S().FindAccount(p.id, a.id)->status_reasons.size(), 1u);
  // Same number of reasons, different content: a change, so it must be written.
  auto u = S().UpdateAccount(p.id, a.id, set_reason({"second", "Second reason", kNow + 2}), Events());
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(u->status_reasons.at(0).code, "second");
  auto stored = S().FindAccount(p.id, a.id);
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->status_reasons.size(), 1u);
  EXPECT_EQ(stored->status_reasons[0].code, "second");
  EXPECT_EQ(stored->status_reasons[0].description, "Second reason");
  EXPECT_EQ(stored->status_reasons[0].timestamp, kNow + 2);
}

TEST_P(StoreContractTest, LookupsOfMalformedIdsAreNotFound) {
  Project p = NewProject();
  Account a = NewAccount(p, {});
  for (const std::string& bad : {std::string("acc\0x", 5), std::string("\xff\xfe"), std::string(), std::string(4096, 'a')}) {
    SCOPED_TRACE(testing::PrintToString(bad));
    EXPECT_EQ(S().FindAccount(p.id, bad).code(), ErrorCode::kNotFound);
    EXPECT_EQ(S().FindAccount(bad, a.id).code(), ErrorCode::kNotFound);
    EXPECT_EQ(S().FindProject(bad).code(), ErrorCode::kNotFound);
    EXPECT_EQ(S().FindProjectByApiKeyHash(bad).code(), ErrorCode::kNotFound);
    EXPECT_EQ(S().FindSessionByTokenHash(bad).code(), ErrorCode::kNotFound);
    EXPECT_EQ(S().DeleteAccount(p.id, bad, DeleteEvent()).code(), ErrorCode::kNotFound);
    EXPECT_EQ(S().RevokeApiKey(p.id, bad, kNow).code(), ErrorCode::kNotFound);
    auto by_key = S().FindAccountsByKey(p.id, bad, "Acme", "bamboohr");
    ASSERT_TRUE(by_key.ok()) << by_key.error().message;
    EXPECT_TRUE(by_key->empty());
    auto listed = S().ListAccounts({.project_id = p.id, .account_ids = {bad}});
    ASSERT_TRUE(listed.ok()) << listed.error().message;
    EXPECT_TRUE(listed->empty());
  }
}

TEST_P(StoreContractTest, UpdateAccountFailingMutateChangesNothing) {
  Project p = NewProject();
  Account a = NewAccount(p, {});
  auto u = S().UpdateAccount(
      p.id, a.id, [](const Account&) -> Result<Account> { return InvalidArgument("bad patch"); }, Events());
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(S().FindAccount(p.id, a.id)->updated_at, a.updated_at);
}

TEST_P(StoreContractTest, UpdateAccountKeyCollision) {
  Project p = NewProject();
  Account a = NewAccount(p, {.owner_id = "o1"});
  Account b = NewAccount(p, {.owner_id = "o2"});
  std::string hook = NewWebhook(p);
  auto move_to_o1 = [](const Account& cur) -> Result<Account> {
    Account n = cur;
    n.origin_owner_id = "o1";
    n.updated_at = kNow + 1;
    return n;
  };
  auto u = S().UpdateAccount(p.id, b.id, move_to_o1, Events());
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.code(), ErrorCode::kConflict);
  EXPECT_EQ(S().FindAccount(p.id, b.id)->origin_owner_id, "o2");
  EXPECT_TRUE(Deliveries(p, hook).empty());

  // Changing the provider or the name into a taken key collides too.
  Account c = NewAccount(p, {.owner_id = "o1", .provider = "hibob"});
  auto to_bamboo = S().UpdateAccount(
      p.id, c.id,
      [](const Account& cur) -> Result<Account> {
        Account n = cur;
        n.provider = "bamboohr";
        return n;
      },
      Events());
  EXPECT_EQ(to_bamboo.code(), ErrorCode::kConflict);

  // A free key is fine.
  auto to_o3 = S().UpdateAccount(
      p.id, b.id,
      [](const Account& cur) -> Result<Account> {
        Account n = cur;
        n.origin_owner_id = "o3";
        return n;
      },
      Events());
  ASSERT_TRUE(to_o3.ok()) << to_o3.error().message;
  EXPECT_EQ(S().FindAccount(p.id, b.id)->origin_owner_id, "o3");
  (void)a;
}

TEST_P(StoreContractTest, UpdateAccountKeyCollisionAllowedWhenBothMultiple) {
  Project p = NewProject();
  NewAccount(p, {.owner_id = "o1", .multiple = true});
  Account b = NewAccount(p, {.owner_id = "o2", .multiple = true});
  Account single = NewAccount(p, {.owner_id = "o3", .multiple = false});
  auto to = [](std::string owner) {
    return [owner](const Account& cur) -> Result<Account> {
      Account n = cur;
      n.origin_owner_id = owner;
      return n;
    };
  };
  auto ok = S().UpdateAccount(p.id, b.id, to("o1"), Events());
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(S().FindAccountsByKey(p.id, "o1", "Acme", "bamboohr")->size(), 2u);
  // One of them not made with multiple: refused.
  auto refused = S().UpdateAccount(p.id, single.id, to("o1"), Events());
  EXPECT_EQ(refused.code(), ErrorCode::kConflict);
}

TEST_P(StoreContractTest, UpdateAndDeleteInOtherProjectAreNotFound) {
  Project p = NewProject();
  Project other = NewProject();
  Account a = NewAccount(p, {});
  bool mutate_called = false;
  auto u = S().UpdateAccount(
      other.id, a.id,
      [&](const Account& cur) -> Result<Account> {
        mutate_called = true;
        return cur;
      },
      Events());
  EXPECT_EQ(u.code(), ErrorCode::kNotFound);
  EXPECT_FALSE(mutate_called);
  EXPECT_EQ(S().DeleteAccount(other.id, a.id, DeleteEvent()).code(), ErrorCode::kNotFound);
  EXPECT_EQ(S().FindAccount(other.id, a.id).code(), ErrorCode::kNotFound);
  EXPECT_TRUE(S().FindAccount(p.id, a.id).ok());
  EXPECT_EQ(S().UpdateAccount(p.id, "acc_none", [](const Account& c) -> Result<Account> { return c; }, Events()).code(),
            ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, DeleteAccountReturnsItAndItIsGone) {
  Project p = NewProject();
  Account a = NewAccount(p, {}, "ct-del");
  Account keep = NewAccount(p, {.owner_id = "other"});
  std::string hook = NewWebhook(p);
  auto d = S().DeleteAccount(p.id, a.id, DeleteEvent());
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->id, a.id);
  EXPECT_EQ(d->seq, a.seq);
  EXPECT_EQ(d->credentials_ciphertext, "ct-del");
  EXPECT_EQ(d->origin_owner_id, "cust-1");
  EXPECT_EQ(S().FindAccount(p.id, a.id).code(), ErrorCode::kNotFound);
  EXPECT_EQ(Ids(List({.project_id = p.id})), std::vector<std::string>{keep.id});
  EXPECT_TRUE(S().FindAccountsByKey(p.id, "cust-1", "Acme", "bamboohr")->empty());
  auto deliveries = Deliveries(p, hook);
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_EQ(deliveries[0].event_type, "account.deleted");
  EXPECT_EQ(deliveries[0].account_id, a.id);
  EXPECT_EQ(S().DeleteAccount(p.id, a.id, DeleteEvent()).code(), ErrorCode::kNotFound);

  // The key is free again: a new session creates a new account.
  auto c = Complete(NewSession(p));
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->created);
  EXPECT_NE(c->account.id, a.id);
}

// --- Listing --------------------------------------------------------------------------------

class StoreListTest : public StoreContractTest {
 protected:
  void SetUp() override {
    StoreContractTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    p_ = NewProject();
    other_ = NewProject();
    a1_ = NewAccount(p_, {.owner_id = "o1", .provider = "bamboohr"});
    a2_ = NewAccount(p_, {.owner_id = "o2", .provider = "hibob"});
    a3_ = NewAccount(p_, {.owner_id = "o1", .provider = "hibob"});
    a4_ = NewAccount(p_, {.owner_id = "o3", .provider = "bamboohr"});
    a5_ = NewAccount(p_, {.owner_id = "o2", .provider = "lever"});
    NewAccount(other_, {.owner_id = "o1", .provider = "bamboohr"});
    ASSERT_TRUE(S().UpdateAccount(
                       p_.id, a3_.id,
                       [](const Account& cur) -> Result<Account> {
                         Account n = cur;
                         n.status = AccountStatus::kInactive;
                         return n;
                       },
                       Events())
                    .ok());
  }
  Project p_, other_;
  Account a1_, a2_, a3_, a4_, a5_;
};

TEST_P(StoreListTest, AllInCreationOrder) {
  auto all = List({.project_id = p_.id});
  EXPECT_EQ(Ids(all), (std::vector<std::string>{a1_.id, a2_.id, a3_.id, a4_.id, a5_.id}));
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].seq, all[i].seq);
}

TEST_P(StoreListTest, Filters) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Ids(List({.project_id = p_.id, .providers = {"bamboohr"}})), (V{a1_.id, a4_.id}));
  EXPECT_EQ(Ids(List({.project_id = p_.id, .providers = {"lever", "bamboohr"}})), (V{a1_.id, a4_.id, a5_.id}));
  EXPECT_EQ(Ids(List({.project_id = p_.id, .owner_ids = {"o2"}})), (V{a2_.id, a5_.id}));
  EXPECT_EQ(Ids(List({.project_id = p_.id, .owner_ids = {"o1", "o3"}})), (V{a1_.id, a3_.id, a4_.id}));
  EXPECT_EQ(Ids(List({.project_id = p_.id, .account_ids = {a4_.id, a2_.id, "acc_none"}})), (V{a2_.id, a4_.id}));
  EXPECT_EQ(Ids(List({.project_id = p_.id, .statuses = {AccountStatus::kInactive}})), (V{a3_.id}));
  EXPECT_EQ(Ids(List({.project_id = p_.id, .statuses = {AccountStatus::kActive}})),
            (V{a1_.id, a2_.id, a4_.id, a5_.id}));
  EXPECT_EQ(Ids(List({.project_id = p_.id, .statuses = {AccountStatus::kActive, AccountStatus::kInactive}})).size(), 5u);
  EXPECT_TRUE(List({.project_id = p_.id, .statuses = {AccountStatus::kError}}).empty());
  EXPECT_TRUE(List({.project_id = p_.id, .providers = {"workday"}}).empty());
}

TEST_P(StoreListTest, FilterCombinationsAreAnded) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Ids(List({.project_id = p_.id, .providers = {"hibob"}, .owner_ids = {"o1"}})), (V{a3_.id}));
  EXPECT_EQ(Ids(List({.project_id = p_.id, .providers = {"hibob", "bamboohr"}, .owner_ids = {"o1"},
                      .statuses = {AccountStatus::kActive}})),
            (V{a1_.id}));
  EXPECT_EQ(Ids(List({.project_id = p_.id, .providers = {"bamboohr"}, .account_ids = {a2_.id, a4_.id}})), (V{a4_.id}));
  EXPECT_TRUE(List({.project_id = p_.id, .providers = {"lever"}, .owner_ids = {"o1"}}).empty());
}

TEST_P(StoreListTest, Paging) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Ids(List({.project_id = p_.id, .page = 1, .page_size = 2})), (V{a1_.id, a2_.id}));
  EXPECT_EQ(Ids(List({.project_id = p_.id, .page = 2, .page_size = 2})), (V{a3_.id, a4_.id}));
  EXPECT_EQ(Ids(List({.project_id = p_.id, .page = 3, .page_size = 2})), (V{a5_.id}));
  EXPECT_TRUE(List({.project_id = p_.id, .page = 4, .page_size = 2}).empty());
  // Paging applies after filtering.
  EXPECT_EQ(Ids(List({.project_id = p_.id, .providers = {"bamboohr", "hibob"}, .page = 2, .page_size = 2})),
            (V{a3_.id, a4_.id}));
  // Accounts added meanwhile land at the end: earlier pages do not shift.
  NewAccount(p_, {.owner_id = "o9"});
  EXPECT_EQ(Ids(List({.project_id = p_.id, .page = 2, .page_size = 2})), (V{a3_.id, a4_.id}));
}

TEST_P(StoreListTest, OtherProjectsAreInvisible) {
  auto theirs = List({.project_id = other_.id});
  ASSERT_EQ(theirs.size(), 1u);
  EXPECT_EQ(theirs[0].project_id, other_.id);
  EXPECT_TRUE(List({.project_id = other_.id, .account_ids = {a1_.id}}).empty());
  EXPECT_TRUE(List({.project_id = "prj_nobody"}).empty());
  EXPECT_EQ(S().FindAccount(other_.id, a1_.id).code(), ErrorCode::kNotFound);
  EXPECT_TRUE(S().FindAccountsByKey(other_.id, "o2", "Acme", "hibob")->empty());
}

TEST_P(StoreContractTest, FindAccountsByKeyOldestFirst) {
  Project p = NewProject();
  Account a1 = NewAccount(p, {.multiple = true});
  NewAccount(p, {.owner_name = "Acme Ltd", .multiple = true});
  NewAccount(p, {.provider = "hibob", .multiple = true});
  NewAccount(p, {.owner_id = "cust-2", .multiple = true});
  Account a2 = NewAccount(p, {.multiple = true});
  Account a3 = NewAccount(p, {.multiple = true});
  auto found = S().FindAccountsByKey(p.id, "cust-1", "Acme", "bamboohr");
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(Ids(*found), (std::vector<std::string>{a1.id, a2.id, a3.id}));
  EXPECT_LT((*found)[0].seq, (*found)[1].seq);
  EXPECT_LT((*found)[1].seq, (*found)[2].seq);
  EXPECT_TRUE(S().FindAccountsByKey(p.id, "cust-1", "acme", "bamboohr")->empty());  // exact match
  // A later session without multiple updates the oldest.
  auto c = Complete(NewSession(p), "bamboohr", "ct-oldest");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->created);
  EXPECT_EQ(c->account.id, a1.id);
}

// --- Key rotation ---------------------------------------------------------------------------

TEST_P(StoreContractTest, ScanAccountsAscendingAfterSeq) {
  Project p = NewProject();
  Project other = NewProject();
  Account a1 = NewAccount(p, {.owner_id = "o1"});
  Account b1 = NewAccount(other, {.owner_id = "o1"});
  Account a2 = NewAccount(p, {.owner_id = "o2"});
  Account a3 = NewAccount(p, {.owner_id = "o3"});

  auto scan = S().ScanAccounts(a1.seq - 1, 1000);
  ASSERT_TRUE(scan.ok()) << scan.error().message;
  for (size_t i = 1; i < scan->size(); ++i) EXPECT_LT((*scan)[i - 1].seq, (*scan)[i].seq);
  for (const auto& a : *scan) EXPECT_GT(a.seq, a1.seq - 1);
  // Every project's accounts, ours in order (a shared database may interleave others).
  std::vector<std::string> ours;
  for (const auto& a : *scan)
    if (a.id == a1.id || a.id == b1.id || a.id == a2.id || a.id == a3.id) ours.push_back(a.id);
  EXPECT_EQ(ours, (std::vector<std::string>{a1.id, b1.id, a2.id, a3.id}));

  auto limited = S().ScanAccounts(a1.seq - 1, 2);
  ASSERT_TRUE(limited.ok());
  ASSERT_EQ(limited->size(), 2u);
  EXPECT_EQ((*limited)[0].id, a1.id);
  auto after = S().ScanAccounts(a3.seq, 1000);
  ASSERT_TRUE(after.ok());
  for (const auto& a : *after) EXPECT_GT(a.seq, a3.seq);
  EXPECT_EQ(std::count_if(after->begin(), after->end(), [&](const Account& a) { return a.id == a3.id; }), 0);
}

TEST_P(StoreContractTest, ReplaceCiphertextIsCompareAndSwap) {
  Project p = NewProject();
  Account a = NewAccount(p, {}, "ct-v1");
  auto swapped = S().ReplaceCiphertext(a.id, "ct-v1", "ct-v2");
  ASSERT_TRUE(swapped.ok()) << swapped.error().message;
  EXPECT_TRUE(*swapped);
  EXPECT_EQ(S().FindAccount(p.id, a.id)->credentials_ciphertext, "ct-v2");

  auto stale = S().ReplaceCiphertext(a.id, "ct-v1", "ct-v3");
  ASSERT_TRUE(stale.ok());
  EXPECT_FALSE(*stale);
  EXPECT_EQ(S().FindAccount(p.id, a.id)->credentials_ciphertext, "ct-v2");

  auto missing = S().ReplaceCiphertext("acc_none", "ct-v2", "x");
  EXPECT_TRUE(!missing.ok() || !*missing);
}

// --- Webhooks (the outbox) ------------------------------------------------------------------

TEST_P(StoreContractTest, WebhookEndpoints) {
  Project p = NewProject();
  Project other = NewProject();
  WebhookEndpoint w;
  w.id = crypto::RandomId("whk_");
  w.project_id = p.id;
  w.url = "https://hooks.example.com/a";
  w.events = {"account.created", "account.deleted"};
  w.secret_ciphertext = "s1";
  w.created_at = kNow;
  ASSERT_TRUE(S().CreateWebhook(w).ok());

  auto list = S().ListWebhooks(p.id);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id, w.id);
  EXPECT_EQ((*list)[0].url, w.url);
  EXPECT_EQ((*list)[0].events, w.events);
  EXPECT_EQ((*list)[0].secret_ciphertext, "s1");
  EXPECT_FALSE((*list)[0].previous_secret_ciphertext.has_value());
  EXPECT_TRUE(S().ListWebhooks(other.id)->empty());
  EXPECT_EQ(S().FindWebhook(w.id)->project_id, p.id);
  EXPECT_EQ(S().FindWebhook("whk_none").code(), ErrorCode::kNotFound);

  ASSERT_TRUE(S().UpdateWebhookSecrets(p.id, w.id, "s2", std::string("s1"), kNow + 100).ok());
  auto found = S().FindWebhook(w.id);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->secret_ciphertext, "s2");
  EXPECT_EQ(found->previous_secret_ciphertext, "s1");
  EXPECT_EQ(found->previous_secret_expires_at, std::optional<TimeMs>(kNow + 100));
  EXPECT_EQ(S().UpdateWebhookSecrets(other.id, w.id, "s3", std::nullopt, std::nullopt).code(), ErrorCode::kNotFound);
  EXPECT_EQ(S().FindWebhook(w.id)->secret_ciphertext, "s2");

  // Only subscribed events are queued.
  Account a = NewAccount(p, {});
  ASSERT_TRUE(Complete(NewSession(p)).ok());  // account.updated: not subscribed
  ASSERT_TRUE(S().DeleteAccount(p.id, a.id, DeleteEvent()).ok());
  auto d = Deliveries(p, w.id);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].event_type, "account.deleted");  // newest first
  EXPECT_EQ(d[1].event_type, "account.created");
  EXPECT_EQ(d[0].message_id.empty(), false);
  EXPECT_NE(d[0].message_id, d[1].message_id);
  EXPECT_TRUE(S().ListDeliveries(other.id, w.id, 10)->empty());

  EXPECT_EQ(S().DeleteWebhook(other.id, w.id).code(), ErrorCode::kNotFound);
  ASSERT_TRUE(S().DeleteWebhook(p.id, w.id).ok());
  EXPECT_TRUE(S().ListWebhooks(p.id)->empty());
  EXPECT_TRUE(Deliveries(p, w.id).empty());
  EXPECT_EQ(S().DeleteWebhook(p.id, w.id).code(), ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, ClaimDeliveriesLeasesOldestPerAccount) {
  Project p = NewProject();
  std::string hook = NewWebhook(p);
  Account a = NewAccount(p, {.owner_id = "o1"});  // created
  ASSERT_TRUE(Complete(NewSession(p, {.owner_id = "o1"})).ok());  // updated
  Account b = NewAccount(p, {.owner_id = "o2"});  // created
  auto mine = [&](const std::vector<Delivery>& v) {
    std::vector<Delivery> out;
    for (const auto& d : v)
      if (d.endpoint_id == hook) out.push_back(d);
    return out;
  };
  auto claimed = S().ClaimDeliveries(kNow + 10, 1000, kNow + 60000);
  ASSERT_TRUE(claimed.ok()) << claimed.error().message;
  auto got = mine(*claimed);
  // a's second event waits for its first; b's first is independent.
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].account_id, a.id);
  EXPECT_EQ(got[0].event_type, "account.created");
  EXPECT_EQ(got[1].account_id, b.id);

  // Leased: not claimed again before the lease ends.
  EXPECT_TRUE(mine(*S().ClaimDeliveries(kNow + 20, 1000, kNow + 60000)).empty());

  // a's first delivered: its second becomes eligible.
  ASSERT_TRUE(S().FinishDelivery(got[0].id, {DeliveryStatus::kDelivered, 0, 200, std::nullopt, kNow + 30}).ok());
  auto next = mine(*S().ClaimDeliveries(kNow + 40, 1000, kNow + 60000));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].account_id, a.id);
  EXPECT_EQ(next[0].event_type, "account.updated");

  // A retry scheduled later is not due before its time, and the lease is released by finishing.
  ASSERT_TRUE(S().FinishDelivery(next[0].id, {DeliveryStatus::kPending, kNow + 100000, 500, "HTTP 500", kNow + 50}).ok());
  auto early = mine(*S().ClaimDeliveries(kNow + 99999, 1000, kNow + 200000));
  EXPECT_TRUE(std::none_of(early.begin(), early.end(), [&](const Delivery& d) { return d.id == next[0].id; }));
  auto due = mine(*S().ClaimDeliveries(kNow + 100000, 1000, kNow + 200000));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, next[0].id);
  auto history = Deliveries(p, hook);
  auto it = std::find_if(history.begin(), history.end(), [&](const Delivery& d) { return d.id == next[0].id; });
  ASSERT_NE(it, history.end());
  EXPECT_EQ(it->attempts, 1);
  EXPECT_EQ(it->last_status, std::optional<int>(500));
  EXPECT_EQ(it->last_error, "HTTP 500");
  EXPECT_EQ(it->status, DeliveryStatus::kPending);
  EXPECT_EQ(it->next_attempt_at, kNow + 100000);
}

// --- Concurrency ----------------------------------------------------------------------------

void CompleteConcurrently(StoreContractTest* t, Store& store, const std::vector<ConnectSession>& sessions,
                          std::vector<Result<Completion>>& results) {
  std::vector<std::thread> threads;
  std::atomic<bool> go{false};
  results.assign(sessions.size(), Result<Completion>(Internal("not run")));
  for (size_t i = 0; i < sessions.size(); ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      results[i] = store.CompleteSession(sessions[i].id, "bamboohr", kNow, [](const CompletionContext& c) -> Result<AccountWrite> {
        CH_TRY(UpsertDecision d, DecideUpsert(c.session, "bamboohr", c.existing_for_key, c.session_account));
        AccountWrite w;
        if (d.action == UpsertAction::kCreate) {
          w.create = true;
          w.account.id = crypto::RandomId("acc_");
          w.account.project_id = c.session.project_id;
          w.account.provider = "bamboohr";
          w.account.integration_id = "int_bamboohr";
          w.account.origin_owner_id = c.session.origin_owner_id;
          w.account.origin_owner_name = c.session.origin_owner_name;
          w.account.multiple = c.session.multiple;
          w.account.created_at = kNow;
        } else {
          for (const auto& a : c.existing_for_key)
            if (a.id == d.account_id) w.account = a;
          if (w.account.id.empty()) return Internal("decided account missing");
        }
        w.account.updated_at = kNow;
        w.account.credentials_ciphertext = "ct-session-" + std::to_string(c.session.id);
        return w;
      }, [](const Account& a, bool created) -> std::optional<OutboxEvent> {
        return OutboxEvent{a.project_id, created ? "account.created" : "account.updated", a.id, "{}", kNow};
      });
    });
  }
  go = true;
  for (auto& th : threads) th.join();
}

TEST_P(StoreContractTest, ConcurrentCompletionsWithoutMultipleMakeOneAccount) {
  Project p = NewProject();
  std::vector<ConnectSession> sessions;
  for (int i = 0; i < 50; ++i) sessions.push_back(NewSession(p, {.multiple = false}));
  std::vector<Result<Completion>> results;
  CompleteConcurrently(this, S(), sessions, results);
  int created = 0;
  std::set<std::string> ids;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.error().message;
    created += r->created;
    ids.insert(r->account.id);
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(ids.size(), 1u);
  auto all = List({.project_id = p.id});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].id, *ids.begin());
  for (const auto& s : sessions) {
    auto found = S().FindSessionByTokenHash(s.token_hash);
    ASSERT_TRUE(found.ok());
    EXPECT_TRUE(found->spent_at.has_value());
    EXPECT_EQ(found->completed_account_id, all[0].id);
  }
}

TEST_P(StoreContractTest, ConcurrentCompletionsWithMultipleMakeOneAccountEach) {
  Project p = NewProject();
  std::vector<ConnectSession> sessions;
  for (int i = 0; i < 50; ++i) sessions.push_back(NewSession(p, {.multiple = true}));
  std::vector<Result<Completion>> results;
  CompleteConcurrently(this, S(), sessions, results);
  std::set<std::string> ids;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->created);
    ids.insert(r->account.id);
  }
  EXPECT_EQ(ids.size(), 50u);
  EXPECT_EQ(List({.project_id = p.id}).size(), 50u);
  EXPECT_EQ(S().FindAccountsByKey(p.id, "cust-1", "Acme", "bamboohr")->size(), 50u);
}

TEST_P(StoreContractTest, ConcurrentCompletionsOfOneSessionSpendItOnce) {
  Project p = NewProject();
  ConnectSession s = NewSession(p, {.multiple = true});
  std::vector<ConnectSession> same(20, s);
  std::vector<Result<Completion>> results;
  CompleteConcurrently(this, S(), same, results);
  int ok = 0;
  for (const auto& r : results) {
    if (r.ok()) ++ok;
    else EXPECT_EQ(r.code(), ErrorCode::kUnauthenticated) << r.error().message;
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(List({.project_id = p.id}).size(), 1u);
}

TEST_P(StoreContractTest, PoolUsageIsConsistentAndSettlesWhenIdle) {
  auto check = [](const std::vector<PoolUse>& pools) {
    ASSERT_FALSE(pools.empty());
    for (const auto& u : pools) {
      EXPECT_FALSE(u.pool.empty());
      EXPECT_GT(u.max, 0u) << u.pool;
      EXPECT_LE(u.open, u.max) << u.pool;
      EXPECT_LE(u.in_use, u.max) << u.pool;
    }
  };
  // Reads and writes from many threads while another thread samples the pools.
  Project p = NewProject();
  std::atomic<bool> stop{false};
  std::thread sampler([&] {
    while (!stop) check(S().PoolUsage());
  });
  std::vector<ConnectSession> sessions;
  for (int i = 0; i < 16; ++i) sessions.push_back(NewSession(p, {.multiple = true}));
  std::vector<Result<Completion>> results;
  CompleteConcurrently(this, S(), sessions, results);
  stop = true;
  sampler.join();
  for (const auto& r : results) EXPECT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(S().FindProject(p.id).ok());  // a read, so every pool has opened a connection
  // Idle again: nothing lent out, nobody waiting, and what was opened is still counted.
  auto after = S().PoolUsage();
  check(after);
  for (const auto& u : after) {
    EXPECT_EQ(u.in_use, 0u) << u.pool;
    EXPECT_EQ(u.waiting, 0u) << u.pool;
    EXPECT_GT(u.open, 0u) << u.pool;
  }
}

std::string BackendName(const ::testing::TestParamInfo<BackendFactory>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Backends, StoreContractTest, ::testing::ValuesIn(kBackends), BackendName);
INSTANTIATE_TEST_SUITE_P(Backends, StoreListTest, ::testing::ValuesIn(kBackends), BackendName);

}  // namespace
}  // namespace connecthub
