// connecthub::Client against the real server on 127.0.0.1: every call, its typed results, and the
// server's errors surfaced as kApi with statusCode/message/timestamp.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <set>
#include <thread>

#include "connecthub/client.h"
#include "support.h"

namespace connecthub::client {
namespace {

using testing::Project;
using testing::ServerProcess;
namespace bj = boost::json;

const std::regex kIsoZ(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$)");

class ClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = ServerProcess::Start().release();
    project_ = new Project(server_->CreateProject("Client tests"));
    server_->Enable(project_->project_id, "demohris");
    server_->Enable(project_->project_id, "greenhouse");
  }
  static void TearDownTestSuite() {
    delete project_;
    delete server_;
  }

  static Client MakeClient(std::string api_key = "") {
    return Client({.base_url = server_->url(), .api_key = api_key.empty() ? project_->api_key : api_key,
                   .timeout = std::chrono::seconds(5)});
  }

  // A session for `owner`, completed in the hub with demohris credentials: the new account's id.
  static std::string Link(const Client& c, const std::string& owner, const std::string& company, bool multiple = false) {
    auto s = c.CreateSession({.origin_owner_id = owner, .origin_owner_name = "Owner " + owner,
                              .origin_username = "jane@" + owner + ".test", .provider = "demohris",
                              .multiple = multiple, .metadata_json = R"({"source":"client-test"})"});
    EXPECT_TRUE(s.ok()) << s.error().ToString();
    return server_->LinkDemoAccount(s->token, company);
  }

  static inline ServerProcess* server_ = nullptr;
  static inline Project* project_ = nullptr;
};

// ------------------------------------------------------------------------------ connect sessions

TEST_F(ClientTest, CreateSessionReturnsTokenLinkAndEchoesEveryField) {
  Client c = MakeClient();
  auto s = c.CreateSession({.origin_owner_id = "customer-123",
                            .origin_owner_name = "Acme Inc",
                            .origin_username = "jane@acme.test",
                            .provider = "demohris",
                            .categories = {"hris"},
                            .label = "HR",
                            .metadata_json = R"({"source": "my-backend", "n": 1})",
                            .expires_in = std::chrono::minutes(10),
                            .type = "test"});
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_GT(s->id, 0);
  EXPECT_EQ(s->organization_id, project_->organization_id);
  EXPECT_EQ(s->project_id, project_->project_id);
  EXPECT_EQ(s->origin_owner_id, "customer-123");
  EXPECT_EQ(s->origin_owner_name, "Acme Inc");
  EXPECT_EQ(s->origin_username, "jane@acme.test");
  EXPECT_EQ(s->provider, "demohris");
  EXPECT_EQ(s->categories, std::vector<std::string>{"hris"});
  EXPECT_EQ(s->label, "HR");
  EXPECT_FALSE(s->account_id.has_value());
  EXPECT_FALSE(s->multiple);
  ASSERT_TRUE(s->metadata_json.has_value());
  EXPECT_EQ(bj::parse(*s->metadata_json), bj::parse(R"({"source": "my-backend", "n": 1})"));
  EXPECT_EQ(s->type, "test");
  EXPECT_TRUE(std::regex_match(s->created_at, kIsoZ)) << s->created_at;
  ASSERT_TRUE(s->expires_at.has_value());
  EXPECT_TRUE(std::regex_match(*s->expires_at, kIsoZ));
  EXPECT_GE(s->token.size(), 40u);
  EXPECT_EQ(s->auth_link_url, server_->url() + "/link#token=" + s->token);
}

TEST_F(ClientTest, CreateSessionMinimalLeavesOptionalFieldsEmpty) {
  auto s = MakeClient().CreateSession({.origin_owner_id = "o-min", .origin_owner_name = "Minimal"});
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_FALSE(s->provider.has_value());
  EXPECT_FALSE(s->origin_username.has_value());
  EXPECT_TRUE(s->categories.empty());
  EXPECT_FALSE(s->metadata_json.has_value());
  EXPECT_EQ(s->type, "production");
}

TEST_F(ClientTest, AuthenticateSessionRoundTrip) {
  Client c = MakeClient();
  auto created = c.CreateSession({.origin_owner_id = "o-auth", .origin_owner_name = "Auth", .provider = "demohris"});
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  auto s = c.AuthenticateSession(created->token);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_EQ(s->id, created->id);
  EXPECT_EQ(s->origin_owner_id, "o-auth");
  EXPECT_EQ(s->provider, "demohris");
  EXPECT_EQ(s->created_at, created->created_at);
}

TEST_F(ClientTest, AuthenticateUnknownTokenIs401WithTheServersError) {
  auto s = MakeClient().AuthenticateSession("cst_thisTokenDoesNotExist0000000000000000000000000");
  ASSERT_FALSE(s.ok());
  const Error& e = s.error();
  EXPECT_EQ(e.kind, ErrorKind::kApi);
  EXPECT_EQ(e.status, 401);
  EXPECT_TRUE(e.IsUnauthorized());
  EXPECT_FALSE(e.message.empty());
  EXPECT_TRUE(std::regex_match(e.timestamp, kIsoZ)) << e.timestamp;
  auto body = bj::parse(e.body).as_object();
  EXPECT_EQ(body.at("statusCode").as_int64(), 401);
  EXPECT_EQ(body.at("message").as_string(), e.message);
  EXPECT_FALSE(e.IsRetryable());
}

TEST_F(ClientTest, SpentTokenIs401) {
  Client c = MakeClient();
  auto s = c.CreateSession({.origin_owner_id = "o-spent", .origin_owner_name = "Spent", .provider = "demohris"});
  ASSERT_TRUE(s.ok());
  server_->LinkDemoAccount(s->token, "spent");
  auto again = c.AuthenticateSession(s->token);
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(again.error().IsUnauthorized()) << again.error().ToString();
}

TEST_F(ClientTest, ProviderNotEnabledIs400NamingIt) {
  auto s = MakeClient().CreateSession({.origin_owner_id = "o", .origin_owner_name = "O", .provider = "bamboohr"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kApi);
  EXPECT_EQ(s.error().status, 400);
  EXPECT_NE(s.error().message.find("bamboohr"), std::string::npos) << s.error().message;
  EXPECT_EQ(s.error().ToString(), "connecthub: 400 " + s.error().message);
}

TEST_F(ClientTest, MissingOwnerIs400FromTheServer) {
  auto s = MakeClient().CreateSession({.origin_owner_id = "", .origin_owner_name = "Nobody"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().status, 400);
  EXPECT_NE(s.error().message.find("origin_owner_id"), std::string::npos) << s.error().message;
}

TEST_F(ClientTest, WrongApiKeyIs401AndTheKeyIsNeverInTheError) {
  const std::string bad = "sk_wrong_key_0123456789abcdef";
  auto r = MakeClient(bad).ListAccounts();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().IsUnauthorized()) << r.error().ToString();
  EXPECT_EQ(r.error().ToString().find(bad), std::string::npos);
  EXPECT_EQ(r.error().body.find(bad), std::string::npos);
}

// ------------------------------------------------------------------------------ accounts

TEST_F(ClientTest, AccountLifecycleGetUpdateMetaDelete) {
  Client c = MakeClient();
  const std::string id = Link(c, "o-life", "life");

  auto a = c.GetAccount(id);
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  EXPECT_EQ(a->id, id);
  EXPECT_EQ(a->provider, "demohris");
  EXPECT_TRUE(a->provider_name.has_value());
  EXPECT_EQ(a->origin_owner_id, "o-life");
  EXPECT_EQ(a->origin_owner_name, "Owner o-life");
  EXPECT_EQ(a->origin_username, "jane@o-life.test");
  EXPECT_EQ(a->status, "active");
  EXPECT_EQ(a->type, "production");
  ASSERT_TRUE(a->metadata_json.has_value());
  EXPECT_EQ(bj::parse(*a->metadata_json), bj::parse(R"({"source":"client-test"})"));
  EXPECT_TRUE(a->integration_id.has_value());
  EXPECT_TRUE(std::regex_match(a->created_at, kIsoZ));
  EXPECT_TRUE(std::regex_match(a->updated_at, kIsoZ));

  auto meta = c.GetAccountMeta(id);
  ASSERT_TRUE(meta.ok()) << meta.error().ToString();
  EXPECT_EQ(meta->provider, "demohris");
  EXPECT_EQ(meta->category, "hris");
  EXPECT_EQ(meta->models_json, "{}");

  auto u = c.UpdateAccount(id, {.label = "Payroll", .status = "inactive", .metadata_json = R"({"tier":"gold"})"});
  ASSERT_TRUE(u.ok()) << u.error().ToString();
  EXPECT_EQ(u->label, "Payroll");
  EXPECT_EQ(u->status, "inactive");
  ASSERT_FALSE(u->status_reasons.empty());
  EXPECT_TRUE(std::regex_match(u->status_reasons.back().timestamp, kIsoZ));
  EXPECT_EQ(bj::parse(*u->metadata_json), bj::parse(R"({"tier":"gold"})"));
  EXPECT_EQ(u->origin_username, "jane@o-life.test") << "fields left out keep their values";

  auto cleared = c.UpdateAccount(id, {.clear_origin_username = true, .clear_label = true, .status = "active"});
  ASSERT_TRUE(cleared.ok()) << cleared.error().ToString();
  EXPECT_FALSE(cleared->label.has_value());
  EXPECT_FALSE(cleared->origin_username.has_value());
  EXPECT_EQ(cleared->status, "active");

  auto creds = c.UpdateAccount(id, {.credentials = {{"api_key", "rotated-key-456"}}});
  EXPECT_TRUE(creds.ok()) << creds.error().ToString();

  auto bad_creds = c.UpdateAccount(id, {.credentials = {{"company", "NOT VALID!"}}});
  ASSERT_FALSE(bad_creds.ok());
  EXPECT_EQ(bad_creds.error().kind, ErrorKind::kApi);
  EXPECT_TRUE(bad_creds.error().status == 400 || bad_creds.error().status == 422) << bad_creds.error().ToString();

  auto bad_status = c.UpdateAccount(id, {.status = "error"});
  ASSERT_FALSE(bad_status.ok());
  EXPECT_EQ(bad_status.error().status, 400);

  auto d = c.DeleteAccount(id);
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(d->id, id);
  auto gone = c.GetAccount(id);
  ASSERT_FALSE(gone.ok());
  EXPECT_TRUE(gone.error().IsNotFound()) << gone.error().ToString();
  auto again = c.DeleteAccount(id);
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(again.error().IsNotFound());
}

TEST_F(ClientTest, ListAccountsFiltersAndPages) {
  Client c = MakeClient();
  std::set<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.insert(Link(c, "o-list", "list" + std::to_string(i), /*multiple=*/true));
  Link(c, "o-other", "other");

  auto page1 = c.ListAccounts({.page = 1, .page_size = 2, .origin_owner_ids = {"o-list"}});
  ASSERT_TRUE(page1.ok()) << page1.error().ToString();
  EXPECT_EQ(page1->size(), 2u);
  auto page2 = c.ListAccounts({.page = 2, .page_size = 2, .origin_owner_ids = {"o-list"}});
  ASSERT_TRUE(page2.ok());
  EXPECT_EQ(page2->size(), 1u);

  auto all = c.ListAllAccounts({.page_size = 2, .origin_owner_ids = {"o-list"}});
  ASSERT_TRUE(all.ok()) << all.error().ToString();
  std::set<std::string> got;
  for (const auto& a : *all) got.insert(a.id);
  EXPECT_EQ(got, ids);

  auto two_owners = c.ListAccounts({.page_size = 100, .origin_owner_ids = {"o-list", "o-other"}});
  ASSERT_TRUE(two_owners.ok());
  EXPECT_EQ(two_owners->size(), 4u);

  auto by_id = c.ListAccounts({.account_ids = {*ids.begin()}});
  ASSERT_TRUE(by_id.ok());
  ASSERT_EQ(by_id->size(), 1u);
  EXPECT_EQ(by_id->front().id, *ids.begin());

  auto other_provider = c.ListAccounts({.providers = {"greenhouse"}, .origin_owner_ids = {"o-list"}});
  ASSERT_TRUE(other_provider.ok());
  EXPECT_TRUE(other_provider->empty());

  auto inactive = c.ListAccounts({.origin_owner_ids = {"o-list"}, .statuses = {"inactive"}});
  ASSERT_TRUE(inactive.ok());
  EXPECT_TRUE(inactive->empty());

  auto capped = c.ListAllAccounts({.page_size = 1, .origin_owner_ids = {"o-list"}}, /*max_accounts=*/2);
  ASSERT_FALSE(capped.ok());
  EXPECT_EQ(capped.error().kind, ErrorKind::kBadResponse);

  auto bad_status = c.ListAccounts({.statuses = {"sleeping"}});
  ASSERT_FALSE(bad_status.ok());
  EXPECT_EQ(bad_status.error().status, 400);
}

TEST_F(ClientTest, SecondSessionForTheSameOwnerAndProviderUpdatesTheAccount) {
  Client c = MakeClient();
  const std::string first = Link(c, "o-upsert", "first");
  const std::string second = Link(c, "o-upsert", "second");
  EXPECT_EQ(first, second);
  auto list = c.ListAccounts({.origin_owner_ids = {"o-upsert"}});
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);
}

TEST_F(ClientTest, IdsArePercentEncodedIntoOnePathSegment) {
  Client c = MakeClient();
  for (std::string id : {"acc 1/x", "../connectors/meta", "a?b=c#d", "%2e%2e", "ü"}) {
    auto a = c.GetAccount(id);
    ASSERT_FALSE(a.ok()) << id;
    EXPECT_TRUE(a.error().IsNotFound()) << id << ": " << a.error().ToString();
  }
}

TEST_F(ClientTest, AnotherProjectsAccountIsNotFound) {
  Client c = MakeClient();
  const std::string id = Link(c, "o-mine", "mine");
  Project other = server_->CreateProject("Other");
  auto a = MakeClient(other.api_key).GetAccount(id);
  ASSERT_FALSE(a.ok());
  EXPECT_TRUE(a.error().IsNotFound());
  EXPECT_TRUE(MakeClient(other.api_key).ListAccounts()->empty());
}

// ------------------------------------------------------------------------------ connectors

TEST_F(ClientTest, ConnectorsMetaListsTheCatalogWithActiveFlags) {
  Client c = MakeClient();
  auto all = c.ListConnectorsMeta();
  ASSERT_TRUE(all.ok()) << all.error().ToString();
  EXPECT_GT(all->size(), 50u);
  std::map<std::string, ConnectorMeta> by_key;
  for (const auto& m : *all) by_key[m.provider] = m;
  ASSERT_TRUE(by_key.count("demohris"));
  EXPECT_EQ(by_key["demohris"].active, true);
  EXPECT_EQ(by_key["greenhouse"].active, true);
  EXPECT_EQ(by_key["bamboohr"].active, false);
  EXPECT_EQ(by_key["bamboohr"].category, "hris");
  EXPECT_EQ(by_key["bamboohr"].provider_name, "BambooHR");
  ASSERT_TRUE(by_key["demohris"].logo_url.has_value());
  EXPECT_EQ(by_key["demohris"].logo_url->rfind(server_->url() + "/logos/", 0), 0u);

  auto one = c.GetConnectorMeta("greenhouse");
  ASSERT_TRUE(one.ok()) << one.error().ToString();
  EXPECT_EQ(one->provider, "greenhouse");
  EXPECT_EQ(one->category, "ats");

  auto missing = c.GetConnectorMeta("no-such-provider");
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.error().IsNotFound());
}

// ------------------------------------------------------------------------------ arguments

TEST_F(ClientTest, BadArgumentsFailBeforeAnyRequest) {
  Client c = MakeClient();
  auto s = c.CreateSession({.origin_owner_id = "o", .origin_owner_name = "O", .metadata_json = "not json"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(s.error().message.find("metadata_json"), std::string::npos);

  auto arr = c.CreateSession({.origin_owner_id = "o", .origin_owner_name = "O", .metadata_json = "[1]"});
  EXPECT_EQ(arr.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(c.GetAccount("").error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(c.DeleteAccount("").error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(c.AuthenticateSession("").error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(c.UpdateAccount("x", {.label = "a", .clear_label = true}).error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(c.ListAccounts({.page = 0}).error().kind, ErrorKind::kInvalidArgument);
}

TEST(ClientOptions, BadOptionsMakeEveryCallAnInvalidArgument) {
  struct Case {
    Options options;
    std::string mentions;
  };
  std::vector<Case> cases = {
      {{.base_url = "", .api_key = "k"}, "base_url"},
      {{.base_url = "ftp://example.com", .api_key = "k"}, "http"},
      {{.base_url = "not a url", .api_key = "k"}, "base_url"},
      {{.base_url = "http://user:pw@example.com", .api_key = "k"}, "user info"},
      {{.base_url = "http://127.0.0.1:8080", .api_key = ""}, "api_key"},
      {{.base_url = "http://127.0.0.1:8080", .api_key = "k", .timeout = std::chrono::milliseconds(0)}, "timeout"},
      {{.base_url = "http://127.0.0.1:0", .api_key = "k"}, "port"},
      {{.base_url = "http://127.0.0.1:99999", .api_key = "k"}, "port"},
      {{.base_url = "https://example.com/?x=1", .api_key = "k"}, "query"},
      {{.base_url = "https://127.0.0.1:8443", .api_key = "k", .ca_file = "/nonexistent/ca.pem"}, "ca_file"},
  };
  for (const auto& tc : cases) {
    Client c(tc.options);
    auto r = c.ListConnectorsMeta();
    ASSERT_FALSE(r.ok()) << tc.options.base_url;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument) << r.error().ToString();
    EXPECT_NE(r.error().message.find(tc.mentions), std::string::npos) << r.error().message;
    EXPECT_EQ(c.GetAccount("a").error().kind, ErrorKind::kInvalidArgument);
  }
}

TEST_F(ClientTest, BaseUrlWithTrailingSlashWorks) {
  Client c({.base_url = server_->url() + "/", .api_key = project_->api_key});
  auto r = c.GetConnectorMeta("demohris");
  EXPECT_TRUE(r.ok()) << r.error().ToString();
}

// ------------------------------------------------------------------------------ concurrency

TEST_F(ClientTest, OneClientFromManyThreads) {
  Client c = MakeClient();
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 15; ++i) {
        if (i % 3 == 0) {
          auto s = c.CreateSession({.origin_owner_id = "o-threads-" + std::to_string(t), .origin_owner_name = "T"});
          if (s.ok()) ++ok;
        } else {
          auto m = c.GetConnectorMeta("demohris");
          if (m.ok()) ++ok;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 6 * 15);
}

// ------------------------------------------------------------------------------ timeouts and failures

TEST(ClientRealServer, TimesOutWhileTheServerIsPausedThenRecovers) {
  auto server = ServerProcess::Start();
  Project p = server->CreateProject("Paused");
  Client c({.base_url = server->url(), .api_key = p.api_key, .timeout = std::chrono::milliseconds(400)});
  ASSERT_TRUE(c.ListAccounts().ok());  // leaves a keep-alive connection in the pool

  server->Pause();
  const auto t0 = std::chrono::steady_clock::now();
  auto r = c.ListAccounts();
  const auto took = std::chrono::steady_clock::now() - t0;
  server->Resume();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kTimeout) << r.error().ToString();
  EXPECT_TRUE(r.error().IsRetryable());
  EXPECT_GE(took, std::chrono::milliseconds(350));
  EXPECT_LT(took, std::chrono::milliseconds(2000));

  server->Pause();
  auto fresh = Client({.base_url = server->url(), .api_key = p.api_key, .timeout = std::chrono::milliseconds(300)})
                   .CreateSession({.origin_owner_id = "o", .origin_owner_name = "O"});
  server->Resume();
  ASSERT_FALSE(fresh.ok());
  EXPECT_EQ(fresh.error().kind, ErrorKind::kTimeout);

  auto after = c.ListAccounts();
  EXPECT_TRUE(after.ok()) << after.error().ToString();
}

TEST(ClientRealServer, ConnectionRefusedIsANetworkError) {
  const int port = testing::FreePort();  // nothing listens there
  Client c({.base_url = "http://127.0.0.1:" + std::to_string(port), .api_key = "k"});
  auto r = c.ListConnectorsMeta();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kNetwork) << r.error().ToString();
  EXPECT_TRUE(r.error().IsRetryable());
  EXPECT_NE(r.error().message.find(std::to_string(port)), std::string::npos);
}

TEST(ClientRealServer, UnresolvableHostIsANetworkError) {
  Client c({.base_url = "http://no-such-host.invalid", .api_key = "k", .timeout = std::chrono::seconds(5)});
  auto r = c.ListConnectorsMeta();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().kind == ErrorKind::kNetwork || r.error().kind == ErrorKind::kTimeout) << r.error().ToString();
}

TEST(ClientRealServer, ServerStoppedBetweenCallsIsANetworkError) {
  auto server = ServerProcess::Start();
  Project p = server->CreateProject("Stopped");
  const std::string url = server->url();
  Client c({.base_url = url, .api_key = p.api_key, .timeout = std::chrono::seconds(2)});
  ASSERT_TRUE(c.ListAccounts().ok());
  server.reset();  // SIGTERM: the pooled connection is closed by the server
  auto r = c.ListAccounts();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kNetwork) << r.error().ToString();
}

}  // namespace
}  // namespace connecthub::client
