#include "transport.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

namespace connecthub::client::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// A server may close a keep-alive connection after some idle time (connecthub: 60 s, many proxies
// less). Older idle connections are dropped instead of risking a failed first write.
constexpr auto kMaxIdleAge = std::chrono::seconds(20);

Error Fail(ErrorKind kind, std::string message) {
  Error e;
  e.kind = kind;
  e.message = std::move(message);
  return e;
}

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(n >> s) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

struct Endpoint {
  bool tls = false;
  std::string host;         // for DNS and certificate checks, without IPv6 brackets
  bool host_is_ip = false;  // no SNI for IP literals (RFC 6066)
  std::string port;
  std::string host_header;  // as in the URL, with the port if one was given
  std::string base_path;    // without a trailing '/'
  std::string display;      // host:port, for messages
};

Result<Endpoint> ParseBaseUrl(const std::string& base_url) {
  if (base_url.empty()) return Fail(ErrorKind::kInvalidArgument, "Options::base_url is empty");
  auto url = boost::urls::parse_absolute_uri(base_url);
  if (!url) return Fail(ErrorKind::kInvalidArgument, "Options::base_url is not a valid absolute URL");
  Endpoint e;
  std::string scheme(url->scheme());
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  if (scheme != "http" && scheme != "https") {
    return Fail(ErrorKind::kInvalidArgument, "Options::base_url must start with http:// or https://");
  }
  e.tls = scheme == "https";
  if (url->has_userinfo()) {
    return Fail(ErrorKind::kInvalidArgument, "Options::base_url must not contain user info; set Options::api_key");
  }
  if (url->has_query() || url->has_fragment()) {
    return Fail(ErrorKind::kInvalidArgument, "Options::base_url must not have a query or fragment");
  }
  switch (url->host_type()) {
    case boost::urls::host_type::ipv4: e.host = url->host_ipv4_address().to_string(); e.host_is_ip = true; break;
    case boost::urls::host_type::ipv6: e.host = url->host_ipv6_address().to_string(); e.host_is_ip = true; break;
    case boost::urls::host_type::name: e.host = url->host_name(); break;
    default: return Fail(ErrorKind::kInvalidArgument, "Options::base_url has no usable host");
  }
  if (e.host.empty()) return Fail(ErrorKind::kInvalidArgument, "Options::base_url has no host");
  e.port = url->has_port() ? std::string(url->port()) : (e.tls ? "443" : "80");
  if (e.port.empty() || e.port.size() > 5 || e.port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(e.port) < 1 || std::stoi(e.port) > 65535) {
    return Fail(ErrorKind::kInvalidArgument, "Options::base_url has a bad port");
  }
  e.host_header = std::string(url->encoded_host_and_port());
  e.base_path = std::string(url->encoded_path());
  while (!e.base_path.empty() && e.base_path.back() == '/') e.base_path.pop_back();
  e.display = std::string(url->encoded_host()) + ":" + e.port;
  return e;
}

// One connection and the io_context that drives it. Used by one call at a time.
struct Connection {
  asio::io_context ioc{1};
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  Clock::time_point idle_since{};

  bool connected() const { return plain.has_value() || secure.has_value(); }
  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
};

// What one attempt on one connection gave.
struct Attempt {
  std::optional<Result<HttpResponse>> result;
  bool keep_alive = false;
  bool stale = false;  // failed before any response byte on a reused connection: safe to resend
};

// getaddrinfo cannot be cancelled, so a name is resolved on a short-lived thread of its own and the
// call stops waiting at the deadline; a late answer is dropped by that thread.
Result<std::vector<tcp::endpoint>> Resolve(const Endpoint& e, Clock::time_point deadline, std::chrono::milliseconds budget) {
  const auto port = static_cast<unsigned short>(std::stoi(e.port));
  if (e.host_is_ip) return std::vector<tcp::endpoint>{tcp::endpoint(asio::ip::make_address(e.host), port)};
  struct Slot {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    beast::error_code ec;
    std::vector<tcp::endpoint> addresses;
  };
  auto slot = std::make_shared<Slot>();
  std::thread([slot, host = e.host, service = e.port] {
    asio::io_context ioc;
    tcp::resolver resolver(ioc);
    beast::error_code ec;
    auto results = resolver.resolve(host, service, ec);
    std::vector<tcp::endpoint> addresses;
    for (const auto& r : results) addresses.push_back(r.endpoint());
    std::lock_guard lock(slot->mu);
    slot->ec = ec;
    slot->addresses = std::move(addresses);
    slot->done = true;
    slot->cv.notify_all();
  }).detach();
  std::unique_lock lock(slot->mu);
  if (!slot->cv.wait_until(lock, deadline, [&] { return slot->done; })) {
    return Fail(ErrorKind::kTimeout, "could not resolve " + e.host + " within " + std::to_string(budget.count()) + " ms");
  }
  if (slot->ec) return Fail(ErrorKind::kNetwork, "could not resolve " + e.host + ": " + slot->ec.message());
  if (slot->addresses.empty()) return Fail(ErrorKind::kNetwork, "no addresses for " + e.host);
  return std::move(slot->addresses);
}

bool IsClosedByPeer(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == ssl::error::stream_truncated;
}

}  // namespace

struct Transport::State {
  Options options;
  std::optional<Error> config_error;
  Endpoint endpoint;
  std::optional<ssl::context> tls;
  std::string authorization;

  std::mutex mu;
  std::vector<std::unique_ptr<Connection>> idle;  // guarded by mu

  std::unique_ptr<Connection> TakeIdle() {
    std::lock_guard lock(mu);
    while (!idle.empty()) {
      auto c = std::move(idle.back());
      idle.pop_back();
      if (Clock::now() - c->idle_since < kMaxIdleAge) return c;
    }
    return nullptr;
  }

  void PutIdle(std::unique_ptr<Connection> c) {
    c->idle_since = Clock::now();
    std::lock_guard lock(mu);
    if (idle.size() < options.max_idle_connections) idle.push_back(std::move(c));
  }

  template <typename Stream>
  asio::awaitable<void> Exchange(Stream& stream, Connection& c, bhttp::request<bhttp::string_body>& req,
                                 Attempt& out, bool reused, const bool& timed_out) {
    auto nothrow = asio::as_tuple(asio::use_awaitable);
    auto [wec, written] = co_await bhttp::async_write(stream, req, nothrow);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(options.max_response_bytes);
    beast::error_code ec = wec;
    if (!ec) std::tie(ec, std::ignore) = co_await bhttp::async_read(stream, c.buffer, parser, nothrow);
    if (timed_out) co_return;
    if (ec) {
      if (reused && !parser.got_some() && IsClosedByPeer(ec)) {
        out.stale = true;
      } else if (ec == bhttp::error::body_limit) {
        out.result = Fail(ErrorKind::kBadResponse,
                          "response from " + endpoint.display + " is larger than " +
                              std::to_string(options.max_response_bytes) + " bytes");
      } else if (ec.category() == beast::error_code(bhttp::error::bad_version).category()) {
        out.result = Fail(ErrorKind::kBadResponse, "not a valid HTTP response from " + endpoint.display + ": " + ec.message());
      } else {
        out.result = Fail(ErrorKind::kNetwork, "connection to " + endpoint.display + " failed: " + ec.message());
      }
      co_return;
    }
    auto& msg = parser.get();
    HttpResponse r;
    r.status = static_cast<int>(msg.result_int());
    r.content_type = std::string(msg[bhttp::field::content_type]);
    r.retry_after = std::string(msg[bhttp::field::retry_after]);
    r.body = std::move(msg.body());
    // Leftover bytes after a whole response mean the connection is out of step: don't reuse it.
    out.keep_alive = msg.keep_alive() && c.buffer.size() == 0;
    out.result = std::move(r);
  }

  asio::awaitable<void> Run(Connection& c, const std::vector<tcp::endpoint>& addresses,
                            bhttp::request<bhttp::string_body>& req, Attempt& out, bool reused, const bool& timed_out) {
    auto nothrow = asio::as_tuple(asio::use_awaitable);
    if (timed_out) co_return;  // the deadline passed before the first step
    if (!c.connected()) {
      if (endpoint.tls) c.secure.emplace(c.ioc, *tls);
      else c.plain.emplace(c.ioc);
      auto [cec, ep] = co_await c.lowest().async_connect(addresses, nothrow);
      if (timed_out) co_return;
      if (cec) {
        out.result = Fail(ErrorKind::kNetwork, "could not connect to " + endpoint.display + ": " + cec.message());
        co_return;
      }
      if (endpoint.tls) {
        if (!endpoint.host_is_ip && !SSL_set_tlsext_host_name(c.secure->native_handle(), endpoint.host.c_str())) {
          out.result = Fail(ErrorKind::kNetwork, "TLS setup for " + endpoint.host + " failed (SNI)");
          co_return;
        }
        // Checks the certificate's DNS names, or its IP addresses when the URL has an IP.
        c.secure->set_verify_callback(ssl::host_name_verification(endpoint.host));
        auto [hec] = co_await c.secure->async_handshake(ssl::stream_base::client, nothrow);
        if (timed_out) co_return;
        if (hec) {
          out.result = Fail(ErrorKind::kNetwork, "TLS handshake with " + endpoint.display + " failed: " + hec.message());
          co_return;
        }
      }
    }
    if (c.secure) co_await Exchange(*c.secure, c, req, out, reused, timed_out);
    else co_await Exchange(*c.plain, c, req, out, reused, timed_out);
  }

  // One attempt on `c` within `deadline`. A watchdog closes the socket at the deadline, so every
  // pending operation completes, the io_context runs dry, and nothing outlives this call.
  Attempt Attempt1(Connection& c, const std::vector<tcp::endpoint>& addresses, bhttp::request<bhttp::string_body>& req,
                   Clock::time_point deadline, bool reused) {
    Attempt out;
    bool timed_out = false;
    bool done = false;
    asio::steady_timer watchdog(c.ioc);
    watchdog.expires_at(deadline);
    watchdog.async_wait([&](beast::error_code ec) {
      if (ec || done) return;
      timed_out = true;
      if (c.connected()) c.lowest().close();
    });
    c.ioc.restart();
    asio::co_spawn(c.ioc, Run(c, addresses, req, out, reused, timed_out), [&](std::exception_ptr e) {
      done = true;
      watchdog.cancel();
      if (e && !out.result) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          out.result = Fail(ErrorKind::kNetwork, std::string("request failed: ") + ex.what());
        } catch (...) {
          out.result = Fail(ErrorKind::kNetwork, "request failed");
        }
      }
    });
    c.ioc.run();
    if (timed_out) {
      out.stale = false;
      out.keep_alive = false;
      out.result = Fail(ErrorKind::kTimeout, "no answer from " + endpoint.display + " within " +
                                                 std::to_string(options.timeout.count()) + " ms");
    } else if (!out.result && !out.stale) {
      out.result = Fail(ErrorKind::kNetwork, "request to " + endpoint.display + " did not complete");
    }
    return out;
  }
};

Transport::Transport(const Options& options) : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.options = options;
  auto endpoint = ParseBaseUrl(options.base_url);
  if (!endpoint) {
    s.config_error = endpoint.error();
    return;
  }
  s.endpoint = std::move(endpoint.value());
  if (options.api_key.empty()) {
    s.config_error = Fail(ErrorKind::kInvalidArgument, "Options::api_key is empty");
    return;
  }
  if (options.timeout.count() <= 0) {
    s.config_error = Fail(ErrorKind::kInvalidArgument, "Options::timeout must be positive");
    return;
  }
  s.authorization = "Basic " + Base64(options.api_key + ":");
  if (s.endpoint.tls) {
    s.tls.emplace(ssl::context::tls_client);
    s.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    s.tls->set_verify_mode(ssl::verify_peer);
    beast::error_code ec;
    if (options.ca_file.empty()) s.tls->set_default_verify_paths(ec);
    else s.tls->load_verify_file(options.ca_file, ec);
    if (ec) {
      s.config_error = Fail(ErrorKind::kInvalidArgument,
                            (options.ca_file.empty() ? std::string("could not load the system CA store")
                                                     : "could not load Options::ca_file " + options.ca_file) +
                                ": " + ec.message());
    }
  }
}

Transport::~Transport() = default;

Result<HttpResponse> Transport::Send(std::string_view method, std::string_view path_and_query,
                                     const std::string* json_body) const {
  State& s = *state_;
  if (s.config_error) return *s.config_error;
  const auto deadline = Clock::now() + s.options.timeout;

  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), s.endpoint.base_path + std::string(path_and_query),
                                         11};
  req.set(bhttp::field::host, s.endpoint.host_header);
  req.set(bhttp::field::user_agent, s.options.user_agent);
  req.set(bhttp::field::authorization, s.authorization);
  req.set(bhttp::field::accept, "application/json");
  if (json_body) {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = *json_body;
  }
  req.keep_alive(s.options.max_idle_connections > 0);
  req.prepare_payload();

  std::unique_ptr<Connection> c = s.TakeIdle();
  bool reused = c != nullptr;
  std::vector<tcp::endpoint> addresses;
  for (;;) {
    if (!c) {
      auto resolved = Resolve(s.endpoint, deadline, s.options.timeout);
      if (!resolved.ok()) return std::move(resolved).error();
      addresses = std::move(resolved.value());
      c = std::make_unique<Connection>();
    }
    Attempt a = s.Attempt1(*c, addresses, req, deadline, reused);
    if (a.stale && Clock::now() < deadline) {
      // The server closed this idle connection before reading the request: send it on a new one.
      c.reset();
      reused = false;
      continue;
    }
    if (a.stale) return Fail(ErrorKind::kTimeout, "no answer from " + s.endpoint.display + " in time");
    if (a.result->ok() && a.keep_alive) s.PutIdle(std::move(c));
    return std::move(*a.result);
  }
}

}  // namespace connecthub::client::detail
