#include "support.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <utility>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

extern char** environ;

namespace connecthub::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace bj = boost::json;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::string MakeTempDir(const char* prefix) {
  std::string templ = (fs::temp_directory_path() / (std::string(prefix) + "XXXXXX")).string();
  if (!mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
  return templ;
}

std::string ServerBinary() {
  if (const char* b = std::getenv("CONNECTHUB_BIN"); b && *b) return b;
#ifdef CONNECTHUB_TEST_BIN
  return CONNECTHUB_TEST_BIN;
#else
  throw std::runtime_error("set CONNECTHUB_BIN to the connecthub binary");
#endif
}

// Runs `session` for every connection `acceptor` takes until it closes, on one new thread running
// `ioc`; `on_accept` (if any) runs on that thread for each connection.
template <typename Session>
std::thread AcceptOnThread(asio::io_context& ioc, tcp::acceptor& acceptor, Session session,
                           std::function<void()> on_accept = {}) {
  asio::co_spawn(
      ioc,
      [&ioc, &acceptor, session, on_accept]() -> asio::awaitable<void> {
        for (;;) {
          auto [ec, sock] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
          if (ec) co_return;
          if (on_accept) on_accept();
          asio::co_spawn(ioc, session(std::move(sock)), asio::detached);
        }
      },
      asio::detached);
  return std::thread([&ioc] { ioc.run(); });
}

}  // namespace

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("bind failed");
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// ---------------------------------------------------------------------------------------------
// ServerProcess

std::unique_ptr<ServerProcess> ServerProcess::Start(const std::map<std::string, std::string>& extra_env) {
  std::unique_ptr<ServerProcess> s(new ServerProcess());
  s->bin_ = ServerBinary();
  if (access(s->bin_.c_str(), X_OK) != 0) throw std::runtime_error("connecthub binary not executable: " + s->bin_);
  s->dir_ = MakeTempDir("connecthub-client-test-");
  s->db_url_ = "sqlite:" + s->dir_ + "/connecthub.db";
  s->log_path_ = s->dir_ + "/server.log";

  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  env["CONNECTHUB_ENCRYPTION_KEY"] = kTestEncryptionKey;
  env["CONNECTHUB_RATE_LIMITS"] = "off";
  for (const auto& [k, v] : extra_env) env[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  // The port is free a moment ago; if another process takes it first the server exits and we retry.
  for (int attempt = 0; attempt < 3; ++attempt) {
    s->port_ = FreePort();
    s->url_ = "http://127.0.0.1:" + std::to_string(s->port_);
    std::vector<std::string> args = {s->bin_, "serve", "--listen", "127.0.0.1:" + std::to_string(s->port_),
                                     "--database", s->db_url_, "--public-url", s->url_};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, s->log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawn_file_actions_addchdir_np(&fa, s->dir_.c_str());
    int rc = posix_spawn(&s->pid_, s->bin_.c_str(), &fa, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("could not start " + s->bin_);

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    bool exited = false;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(s->pid_, &status, WNOHANG) == s->pid_) {
        exited = true;
        s->pid_ = -1;
        break;
      }
      try {
        if (s->Http("GET", "/readyz").status == 200) return s;
      } catch (const std::exception&) {
        // not listening yet
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!exited) throw std::runtime_error("connecthub not ready within 15 s\n--- log ---\n" + s->Logs());
  }
  throw std::runtime_error("connecthub exited before becoming ready\n--- log ---\n" + s->Logs());
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGCONT);
    kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100; ++i) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
  }
  if (!dir_.empty() && !std::getenv("CONNECTHUB_TEST_KEEP")) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

std::string ServerProcess::Logs() const { return ReadFile(log_path_); }

void ServerProcess::Pause() const { kill(pid_, SIGSTOP); }
void ServerProcess::Resume() const { kill(pid_, SIGCONT); }

bj::value ServerProcess::Cli(const std::vector<std::string>& args) const {
  std::string cmd = "CONNECTHUB_ENCRYPTION_KEY=" + std::string(kTestEncryptionKey) + " " + ShellQuote(bin_);
  for (const auto& a : args) cmd += " " + ShellQuote(a);
  cmd += " --json --database " + ShellQuote(db_url_) + " 2>>" + ShellQuote(dir_ + "/cli.log");
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("popen failed");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = pclose(p);
  if (rc != 0) throw std::runtime_error("CLI failed: " + cmd + "\n" + out + ReadFile(dir_ + "/cli.log"));
  return bj::parse(out);
}

Project ServerProcess::CreateProject(const std::string& name) const {
  auto j = Cli({"project", "create", "--name", name}).as_object();
  return Project{std::string(j.at("project_id").as_string()), std::string(j.at("api_key").as_string()),
                 j.at("organization_id").to_number<std::int64_t>()};
}

std::string ServerProcess::Enable(const std::string& project_id, const std::string& provider) const {
  auto j = Cli({"integration", "enable", "--project", project_id, "--provider", provider});
  return std::string(j.as_object().at("integration_id").as_string());
}

RawResponse ServerProcess::Http(const std::string& method, const std::string& target,
                                const std::map<std::string, std::string>& headers, const std::string& body) const {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(5));
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)));
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
  req.set(bhttp::field::host, "127.0.0.1:" + std::to_string(port_));
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty()) req.body() = body;
  req.keep_alive(false);
  req.prepare_payload();
  bhttp::write(stream.socket(), req);
  beast::flat_buffer buf;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream.socket(), buf, res);
  RawResponse out;
  out.status = static_cast<int>(res.result_int());
  out.body = res.body();
  for (const auto& f : res) {
    std::string n(f.name_string());
    for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[n] = std::string(f.value());
  }
  return out;
}

std::string ServerProcess::LinkDemoAccount(const std::string& token, const std::string& company,
                                           const std::string& api_key) const {
  std::map<std::string, std::string> h = {{"x-hub-session-token", token}, {"content-type", "application/json"}};
  auto connectors = Http("GET", "/hub/connectors?provider=demohris", h);
  if (connectors.status != 200) throw std::runtime_error("GET /hub/connectors: " + connectors.body);
  std::string integration_id;
  const bj::value parsed = bj::parse(connectors.body);
  for (const auto& i : parsed.at("integrations").as_array()) {
    if (i.at("provider").as_string() == "demohris") integration_id = std::string(i.at("integration_id").as_string());
  }
  if (integration_id.empty()) throw std::runtime_error("demohris is not enabled: " + connectors.body);
  bj::object body{{"integration_id", integration_id},
                  {"credentials", bj::object{{"company", company}, {"api_key", api_key}}}};
  auto res = Http("POST", "/hub/accounts", h, bj::serialize(body));
  if (res.status != 200 && res.status != 201) throw std::runtime_error("POST /hub/accounts: " + res.body);
  return std::string(bj::parse(res.body).at("id").as_string());
}

// ---------------------------------------------------------------------------------------------
// FakeServer

std::string HttpAnswer(int status, const std::string& content_type, const std::string& body,
                       const std::string& extra_headers, bool keep_alive) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " X\r\n";
  if (!content_type.empty()) out += "Content-Type: " + content_type + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  out += extra_headers;
  out += "\r\n" + body;
  return out;
}

struct FakeServer::Impl {
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::thread thread;
};

FakeServer::FakeServer(Respond respond, bool close_after) : impl_(std::make_unique<Impl>()) {
  auto& a = impl_->acceptor;
  a.open(tcp::v4());
  a.set_option(tcp::acceptor::reuse_address(true));
  a.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  a.listen();
  port_ = a.local_endpoint().port();
  auto session = [this, respond, close_after](tcp::socket sock) -> asio::awaitable<void> {
    auto nothrow = asio::as_tuple(asio::use_awaitable);
    std::string buf;
    for (;;) {
      auto [ec, n] = co_await asio::async_read_until(sock, asio::dynamic_buffer(buf), "\r\n\r\n", nothrow);
      if (ec) co_return;
      std::string head = buf.substr(0, n);
      buf.erase(0, n);
      // Skip a body if there is one (Content-Length only; the client sends nothing else).
      size_t cl = 0;
      if (auto p = head.find("Content-Length: "); p != std::string::npos) cl = std::stoul(head.substr(p + 16));
      else if (auto q = head.find("content-length: "); q != std::string::npos) cl = std::stoul(head.substr(q + 16));
      if (buf.size() < cl) {
        auto [ec2, m] = co_await asio::async_read(sock, asio::dynamic_buffer(buf), asio::transfer_exactly(cl - buf.size()),
                                                  nothrow);
        if (ec2) co_return;
      }
      buf.erase(0, cl);
      std::string answer = respond(requests_++, head);
      if (answer.empty()) {
        // Hold the connection open, answering nothing, until the peer gives up.
        char c;
        co_await sock.async_read_some(asio::buffer(&c, 1), nothrow);
        co_return;
      }
      auto [wec, wn] = co_await asio::async_write(sock, asio::buffer(answer), nothrow);
      if (wec || close_after) co_return;
    }
  };
  impl_->thread = AcceptOnThread(impl_->ioc, impl_->acceptor, session, [this] { ++connections_; });
}

FakeServer::~FakeServer() {
  impl_->ioc.stop();
  impl_->thread.join();
}

// ---------------------------------------------------------------------------------------------
// TLS

TestCert TestCert::Make(const std::string& san) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), static_cast<long>(std::chrono::system_clock::now().time_since_epoch().count() & 0x7fffffff));
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("connecthub test"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, san}, std::pair{NID_basic_constraints, std::string("critical,CA:TRUE")},
                            std::pair{NID_key_usage, std::string("critical,digitalSignature,keyCertSign")}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (!ext) throw std::runtime_error("bad certificate extension " + value);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, key, EVP_sha256());
  auto pem = [](auto write) {
    BIO* bio = BIO_new(BIO_s_mem());
    write(bio);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(n));
    BIO_free(bio);
    return out;
  };
  TestCert c;
  c.cert_pem = pem([&](BIO* b) { PEM_write_bio_X509(b, x); });
  c.key_pem = pem([&](BIO* b) { PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr); });
  X509_free(x);
  EVP_PKEY_free(key);
  c.dir = MakeTempDir("connecthub-client-cert-");
  c.cert_file = c.dir + "/ca.pem";
  std::ofstream(c.cert_file) << c.cert_pem;
  return c;
}

TestCert::TestCert(TestCert&& o) noexcept
    : cert_pem(std::move(o.cert_pem)), key_pem(std::move(o.key_pem)), cert_file(std::move(o.cert_file)),
      dir(std::exchange(o.dir, std::string())) {}

TestCert::~TestCert() {
  if (dir.empty()) return;
  std::error_code ec;
  fs::remove_all(dir, ec);
}

struct TlsFront::Impl {
  asio::io_context ioc;
  asio::ssl::context tls{asio::ssl::context::tls_server};
  tcp::acceptor acceptor{ioc};
  std::thread thread;
};

TlsFront::TlsFront(const TestCert& cert, int upstream_port) : impl_(std::make_unique<Impl>()) {
  impl_->tls.use_certificate_chain(asio::buffer(cert.cert_pem));
  impl_->tls.use_private_key(asio::buffer(cert.key_pem), asio::ssl::context::pem);
  auto& a = impl_->acceptor;
  a.open(tcp::v4());
  a.set_option(tcp::acceptor::reuse_address(true));
  a.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  a.listen();
  port_ = a.local_endpoint().port();

  using TlsStream = asio::ssl::stream<tcp::socket>;
  auto pump = [](auto& from, auto& to) -> asio::awaitable<void> {
    auto nothrow = asio::as_tuple(asio::use_awaitable);
    char buf[16384];
    for (;;) {
      auto [ec, n] = co_await from.async_read_some(asio::buffer(buf), nothrow);
      if (ec) break;
      auto [wec, wn] = co_await asio::async_write(to, asio::buffer(buf, n), nothrow);
      if (wec) break;
    }
    beast::error_code ignored;
    asio::ip::tcp::socket& down = beast::get_lowest_layer(to);
    down.shutdown(tcp::socket::shutdown_both, ignored);
  };
  auto session = [this, upstream_port, pump](tcp::socket sock) -> asio::awaitable<void> {
    auto nothrow = asio::as_tuple(asio::use_awaitable);
    auto tls = std::make_shared<TlsStream>(std::move(sock), impl_->tls);
    auto [hec] = co_await tls->async_handshake(asio::ssl::stream_base::server, nothrow);
    if (hec) co_return;
    auto up = std::make_shared<tcp::socket>(impl_->ioc);
    auto [cec] = co_await up->async_connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(upstream_port)), nothrow);
    if (cec) co_return;
    asio::co_spawn(impl_->ioc, [tls, up, pump]() -> asio::awaitable<void> { co_await pump(*up, *tls); }, asio::detached);
    co_await pump(*tls, *up);
  };
  impl_->thread = AcceptOnThread(impl_->ioc, impl_->acceptor, session);
}

TlsFront::~TlsFront() {
  impl_->ioc.stop();
  impl_->thread.join();
}

BlackHole::BlackHole() {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd_, 16) != 0) {
    throw std::runtime_error("BlackHole: bind/listen failed");
  }
  socklen_t len = sizeof a;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
}

BlackHole::~BlackHole() { close(fd_); }

}  // namespace connecthub::testing
