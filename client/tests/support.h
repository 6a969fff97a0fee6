// Test helpers: the real connecthub server as a child process, its admin CLI, a raw HTTP call for
// the hub API (what a browser would do), scripted fake HTTP servers, and a TLS front for the server.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

#include <boost/json.hpp>

namespace connecthub::testing {

// 32 bytes as 64 hex characters; tests only.
inline constexpr const char* kTestEncryptionKey = "7465737420656e6372797074696f6e206b657920666f7220636f6e6e65637468";

struct Project {
  std::string project_id;
  std::string api_key;
  std::int64_t organization_id = 0;
};

struct RawResponse {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};

// `connecthub serve` on a free 127.0.0.1 port with a fresh SQLite database in a temp dir,
// CONNECTHUB_RATE_LIMITS=off and a fixed test encryption key. The binary is $CONNECTHUB_BIN or the
// one this test was built with. Start() waits for GET /readyz; it throws std::runtime_error (with
// the server's log) if the server exits or is not ready within 15 s.
class ServerProcess {
 public:
  static std::unique_ptr<ServerProcess> Start(const std::map<std::string, std::string>& env = {});
  ~ServerProcess();  // SIGTERM (SIGKILL after 5 s), then removes the temp dir

  const std::string& url() const { return url_; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string Logs() const;

  // Admin CLI against this server's database: `connecthub <args> --json --database ...`.
  boost::json::value Cli(const std::vector<std::string>& args) const;
  Project CreateProject(const std::string& name) const;
  std::string Enable(const std::string& project_id, const std::string& provider) const;  // integration_id

  // One HTTP/1.1 request to this server (no keep-alive, 5 s timeout).
  RawResponse Http(const std::string& method, const std::string& target,
                   const std::map<std::string, std::string>& headers = {}, const std::string& body = "") const;
  // What the hub does when a user completes a session: POST /hub/accounts with demohris
  // credentials. Returns the account id.
  std::string LinkDemoAccount(const std::string& session_token, const std::string& company,
                              const std::string& api_key = "demo-key-123") const;

  void Pause() const;   // SIGSTOP: the server accepts connections (kernel backlog) but never answers
  void Resume() const;  // SIGCONT

 private:
  ServerProcess() = default;
  std::string bin_, dir_, db_url_, url_, log_path_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// A free TCP port on 127.0.0.1 (bound, then released).
int FreePort();

// A scripted HTTP server on 127.0.0.1 for what the real server never does (slow, broken or odd
// answers). `respond` gets the 0-based index of the request on the whole server and the raw request
// head, and returns the raw bytes to write (empty: write nothing and keep the connection open until
// the server stops). `close_after` closes the connection after each answer.
class FakeServer {
 public:
  using Respond = std::function<std::string(int index, const std::string& request_head)>;
  explicit FakeServer(Respond respond, bool close_after = false);
  ~FakeServer();
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
};

// "HTTP/1.1 <status> X\r\n" + headers + body with Content-Length; keep-alive unless told.
std::string HttpAnswer(int status, const std::string& content_type, const std::string& body,
                       const std::string& extra_headers = "", bool keep_alive = true);

// A self-signed certificate (also its own CA) for the given subjectAltName, e.g.
// "DNS:localhost,IP:127.0.0.1", written as PEM files into a temp dir.
struct TestCert {
  std::string cert_pem, key_pem;
  std::string cert_file;  // for Options::ca_file
  std::string dir;        // removed with the TestCert
  static TestCert Make(const std::string& subject_alt_name);

  TestCert() = default;
  TestCert(TestCert&& o) noexcept;
  TestCert& operator=(TestCert&&) = delete;
  ~TestCert();
};

// A TLS listener on 127.0.0.1 that forwards every decrypted byte to `upstream_port` (plain HTTP),
// as a TLS-terminating proxy in front of the real server would.
class TlsFront {
 public:
  TlsFront(const TestCert& cert, int upstream_port);
  ~TlsFront();
  int port() const { return port_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

// A socket that listens but never accepts: connects succeed (kernel backlog), nothing is answered.
class BlackHole {
 public:
  BlackHole();
  ~BlackHole();
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace connecthub::testing
