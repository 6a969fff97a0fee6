// https:// servers: the real server behind a TLS front with a test certificate. The client must
// verify the chain (system store or Options::ca_file) and the host name, and send SNI.
#include <gtest/gtest.h>

#include "connecthub/client.h"
#include "support.h"

namespace connecthub::client {
namespace {

using testing::BlackHole;
using testing::Project;
using testing::ServerProcess;
using testing::TestCert;
using testing::TlsFront;

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = ServerProcess::Start().release();
    project_ = new Project(server_->CreateProject("TLS"));
    server_->Enable(project_->project_id, "demohris");
    cert_ = new TestCert(TestCert::Make("DNS:localhost,IP:127.0.0.1"));
    front_ = new TlsFront(*cert_, server_->port());
  }
  static void TearDownTestSuite() {
    delete front_;
    delete cert_;
    delete project_;
    delete server_;
  }
  static std::string Https(const std::string& host, int port) { return "https://" + host + ":" + std::to_string(port); }

  static inline ServerProcess* server_ = nullptr;
  static inline Project* project_ = nullptr;
  static inline TestCert* cert_ = nullptr;
  static inline TlsFront* front_ = nullptr;
};

TEST_F(TlsTest, TrustedCertificateByIpAddress) {
  Client c({.base_url = Https("127.0.0.1", front_->port()), .api_key = project_->api_key, .ca_file = cert_->cert_file});
  auto s = c.CreateSession({.origin_owner_id = "o-tls", .origin_owner_name = "TLS", .provider = "demohris"});
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  server_->LinkDemoAccount(s->token, "tls");
  auto accounts = c.ListAccounts({.origin_owner_ids = {"o-tls"}});
  ASSERT_TRUE(accounts.ok()) << accounts.error().ToString();
  ASSERT_EQ(accounts->size(), 1u);
  // Keep-alive over TLS: several calls on pooled connections.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(c.GetAccount(accounts->front().id).ok());
}

TEST_F(TlsTest, TrustedCertificateByHostName) {
  Client c({.base_url = Https("localhost", front_->port()), .api_key = project_->api_key, .ca_file = cert_->cert_file});
  auto r = c.GetConnectorMeta("demohris");
  EXPECT_TRUE(r.ok()) << r.error().ToString();
}

TEST_F(TlsTest, UntrustedCertificateIsRefused) {
  // The system store does not know the test CA.
  Client c({.base_url = Https("127.0.0.1", front_->port()), .api_key = project_->api_key});
  auto r = c.ListConnectorsMeta();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kNetwork);
  EXPECT_NE(r.error().message.find("certificate verify failed"), std::string::npos) << r.error().message;
  EXPECT_FALSE(r.error().IsApi(401)) << "no request was sent";
}

TEST_F(TlsTest, CertificateForAnotherNameIsRefused) {
  TestCert other = TestCert::Make("DNS:other.example");
  TlsFront front(other, server_->port());
  Client c({.base_url = Https("127.0.0.1", front.port()), .api_key = project_->api_key, .ca_file = other.cert_file});
  auto r = c.ListConnectorsMeta();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kNetwork);
  EXPECT_NE(r.error().message.find("certificate verify failed"), std::string::npos) << r.error().message;
  Client by_name({.base_url = Https("localhost", front.port()), .api_key = project_->api_key, .ca_file = other.cert_file});
  EXPECT_FALSE(by_name.ListConnectorsMeta().ok());
}

TEST_F(TlsTest, PlainHttpServerOnAnHttpsUrlFails) {
  Client c({.base_url = Https("127.0.0.1", server_->port()), .api_key = project_->api_key, .timeout = std::chrono::seconds(3),
            .ca_file = cert_->cert_file});
  auto r = c.ListConnectorsMeta();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().kind == ErrorKind::kNetwork || r.error().kind == ErrorKind::kTimeout) << r.error().ToString();
}

TEST_F(TlsTest, HandshakeThatNeverCompletesTimesOut) {
  BlackHole hole;
  Client c({.base_url = Https("127.0.0.1", hole.port()), .api_key = "k", .timeout = std::chrono::milliseconds(300),
            .ca_file = cert_->cert_file});
  auto r = c.ListConnectorsMeta();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kTimeout) << r.error().ToString();
}

}  // namespace
}  // namespace connecthub::client
