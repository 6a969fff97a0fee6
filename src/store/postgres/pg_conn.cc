#include "store/postgres/pg_conn.h"

#include <cstdlib>
#include <cstring>

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

namespace connecthub::pg {
namespace {
// libpq's messages end with a newline and may span lines ("...failed: ...\n\tIs the server running").
std::string OneLine(std::string msg) {
  std::string out;
  for (char c : msg) {
    const bool space = c == '\n' || c == '\t' || c == '\r' || c == ' ';
    if (space) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}
}  // namespace

bool Storable(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c == 0) return false;
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
Params& Params::Add(std::string_view v) {
  if (v.find('\0') != std::string_view::npos) has_nul_ = true;
  values_.emplace_back(v);
  null_.push_back(false);
  return *this;
}

Params& Params::Add(int64_t v) {
  values_.push_back(std::to_string(v));
  null_.push_back(false);
  return *this;
}

Params& Params::Null() {
  values_.emplace_back();
  null_.push_back(true);
  return *this;
}

std::vector<const char*> Params::Pointers() const {
  std::vector<const char*> out(values_.size());
  for (size_t i = 0; i < values_.size(); ++i) out[i] = null_[i] ? nullptr : values_[i].c_str();
  return out;
}

// ---------------------------------------------------------------------------------------------
std::string Row::Text(int col) const {
  return std::string(PQgetvalue(r_, row_, col), static_cast<size_t>(PQgetlength(r_, row_, col)));
}
std::optional<std::string> Row::OptText(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Text(col);
}
int64_t Row::Int(int col) const { return IsNull(col) ? 0 : std::strtoll(PQgetvalue(r_, row_, col), nullptr, 10); }
std::optional<int64_t> Row::OptInt(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Int(col);
}
bool Row::Bool(int col) const {
  const char* v = PQgetvalue(r_, row_, col);
  return v && v[0] == 't';
}
bool Row::IsNull(int col) const { return PQgetisnull(r_, row_, col) != 0; }

void Res::Free(PGresult* r) {
  if (r) PQclear(r);
}
int Res::rows() const { return r_ ? PQntuples(r_.get()) : 0; }
int64_t Res::affected() const {
  if (!r_) return 0;
  const char* n = PQcmdTuples(r_.get());
  return n && *n ? std::strtoll(n, nullptr, 10) : 0;
}

// ---------------------------------------------------------------------------------------------
Conn::~Conn() { Close(); }

Status Conn::Connect(const ConnParams& params) {
  Close();
  std::vector<const char*> keys, vals;
  for (const auto& [k, v] : params) {
    keys.push_back(k.c_str());
    vals.push_back(v.c_str());
  }
  keys.push_back(nullptr);
  vals.push_back(nullptr);
  conn_ = PQconnectdbParams(keys.data(), vals.data(), 0);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    std::string msg = OneLine(conn_ ? PQerrorMessage(conn_) : "out of memory");
    Close();
    return Unavailable("cannot connect to PostgreSQL: " + msg);
  }
  // Notices (e.g. "relation already exists, skipping") go to the debug log, not straight to stderr.
  PQsetNoticeProcessor(
      conn_, [](void*, const char* msg) { spdlog::debug("postgres: {}", std::string_view(msg)); }, nullptr);
  broken_ = false;
  return OkStatus();
}

void Conn::Close() {
  if (conn_) PQfinish(conn_);
  conn_ = nullptr;
  broken_ = false;
  prepared_.clear();
}

bool Conn::in_transaction() const { return conn_ && PQtransactionStatus(conn_) != PQTRANS_IDLE; }

Result<Res> Conn::Check(PGresult* r, std::string_view what) {
  if (r) {
    const ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
      last_command_status = PQcmdStatus(r);
      return Res(r);
    }
  }
  std::string sqlstate;
  std::string msg;
  if (r) {
    if (const char* s = PQresultErrorField(r, PG_DIAG_SQLSTATE)) sqlstate = s;
    if (const char* m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)) msg = m;
    PQclear(r);
  }
  if (msg.empty()) {
    msg = OneLine(conn_ ? PQerrorMessage(conn_) : "no connection");
  }
  msg = std::string(what) + ": " + msg;
  if (!conn_ || PQstatus(conn_) == CONNECTION_BAD) {
    broken_ = true;
    return Unavailable("lost the database connection (" + msg + ")");
  }
  if (sqlstate == "40001" || sqlstate == "40P01") {
    retryable_ = true;
    return Unavailable("the database could not serialize concurrent changes (" + msg + ")");
  }
  const std::string cls = sqlstate.substr(0, 2);
  if (cls == "08" || cls == "57" || sqlstate == "25P03") {  // connection exception, shutdown/cancel, idle timeout
    broken_ = sqlstate != "57014";                        // a cancelled statement leaves the connection usable
    return Unavailable("the database is unavailable (" + msg + ")");
  }
  if (cls == "53" || cls == "55" || cls == "58" || cls == "XX") return Unavailable("the database is busy or failing (" + msg + ")");
  if (cls == "23") return Conflict(msg);
  if (cls == "22") return InvalidArgument(msg);
  return Internal(msg + (sqlstate.empty() ? "" : " [" + sqlstate + "]"));
}

Result<Res> Conn::Exec(std::string_view sql, const Params& p) {
  if (!conn_) return Unavailable("no database connection");
  if (p.has_nul()) return InvalidArgument("text with a NUL byte cannot be stored");
  auto it = prepared_.find(std::string(sql));
  if (it == prepared_.end()) {
    std::string name = "ch" + std::to_string(prepared_.size() + 1);
    std::string text(sql);
    CH_TRY(Res ignored, Check(PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr), "prepare"));
    (void)ignored;
    it = prepared_.emplace(std::move(text), std::move(name)).first;
  }
  auto ptrs = p.Pointers();
  return Check(PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(ptrs.size()), ptrs.data(), nullptr, nullptr, 0),
               "query");
}

Result<Res> Conn::ExecOnce(const std::string& sql, const Params& p) {
  if (!conn_) return Unavailable("no database connection");
  if (p.has_nul()) return InvalidArgument("text with a NUL byte cannot be stored");
  auto ptrs = p.Pointers();
  return Check(PQexecParams(conn_, sql.c_str(), static_cast<int>(ptrs.size()), nullptr, ptrs.data(), nullptr, nullptr, 0),
               "query");
}

Result<Res> Conn::ExecScript(std::string_view sql) {
  if (!conn_) return Unavailable("no database connection");
  std::string text(sql);
  return Check(PQexec(conn_, text.c_str()), "statement");
}

// ---------------------------------------------------------------------------------------------
Pool::Pool(ConnParams params, size_t size, std::chrono::milliseconds acquire_timeout)
    : params_(std::move(params)), acquire_timeout_(acquire_timeout) {
  for (size_t i = 0; i < size; ++i) {
    conns_.push_back(std::make_unique<Conn>());
    idle_.push_back(conns_.back().get());
  }
}

Pool::Lease::~Lease() {
  if (pool_) pool_->Release(conn_);
}

Result<Pool::Lease> Pool::Acquire() {
  Conn* c = nullptr;
  {
    std::unique_lock lk(mu_);
    ++waiting_;
    const bool got = cv_.wait_for(lk, acquire_timeout_, [&] { return !idle_.empty(); });
    --waiting_;
    if (!got) {
      return Unavailable("every database connection stayed busy for " + std::to_string(acquire_timeout_.count()) +
                         " ms (raise pool_size or max_connections)");
    }
    c = idle_.back();  // most recently used first: it is the least likely to have gone stale
    idle_.pop_back();
  }
  const bool reused = c->connected();
  if (!reused) {
    Status st = c->Connect(params_);
    if (!st.ok()) {
      Release(c);
      return st.error();
    }
    std::lock_guard lk(mu_);
    ++open_;
  }
  return Lease(this, c, reused);
}

void Pool::Release(Conn* c) {
  // A connection that failed, or was left inside a transaction, is closed and reopened on next use.
  bool closed = false;
  if (c->connected() && (c->broken() || c->in_transaction())) {
    if (c->broken()) spdlog::warn("store: closing a failed PostgreSQL connection; it reopens on next use");
    c->Close();
    closed = true;
  }
  {
    std::lock_guard lk(mu_);
    if (closed) --open_;
    idle_.push_back(c);
  }
  cv_.notify_one();
}

Pool::Use Pool::Usage() {
  std::lock_guard lk(mu_);
  return Use{open_, conns_.size() - idle_.size(), waiting_};
}

// ---------------------------------------------------------------------------------------------
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

Result<ParsedUrl> ParseUrl(std::string_view url) {
  ParsedUrl out;
  // Our own query parameters are taken out before libpq sees the URL (it refuses unknown ones).
  std::string base(url);
  std::string kept_query;
  if (size_t q = base.find('?'); q != std::string::npos) {
    std::string query = base.substr(q + 1);
    base.resize(q);
    size_t pos = 0;
    while (pos <= query.size()) {
      size_t amp = query.find('&', pos);
      if (amp == std::string::npos) amp = query.size();
      std::string pair = query.substr(pos, amp - pos);
      pos = amp + 1;
      if (pair.empty()) continue;
      const size_t eq = pair.find('=');
      const std::string key = PercentDecode(pair.substr(0, eq));
      const std::string value = eq == std::string::npos ? "" : PercentDecode(pair.substr(eq + 1));
      if (key == "pool_size") {
        char* end = nullptr;
        const long n = std::strtol(value.c_str(), &end, 10);
        if (value.empty() || *end != '\0' || n < 1 || n > 1000) {
          return InvalidArgument("pool_size in the database URL must be a number from 1 to 1000");
        }
        out.pool_size = static_cast<size_t>(n);
        continue;
      }
      kept_query += (kept_query.empty() ? "" : "&") + pair;
    }
  }
  if (!kept_query.empty()) base += "?" + kept_query;

  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(base.c_str(), &err);
  if (!opts) {
    std::string msg = OneLine(err ? err : "out of memory");
    if (err) PQfreemem(err);
    return InvalidArgument("invalid PostgreSQL URL: " + msg);
  }
  std::string host, port, user, dbname;
  for (PQconninfoOption* o = opts; o->keyword; ++o) {
    if (!o->val) continue;
    out.params.emplace_back(o->keyword, o->val);
    const std::string_view k = o->keyword;
    if (k == "host" || (k == "hostaddr" && host.empty())) host = o->val;
    if (k == "port") port = o->val;
    if (k == "user") user = o->val;
    if (k == "dbname") dbname = o->val;
  }
  PQconninfoFree(opts);
  auto has = [&](std::string_view k) {
    for (const auto& [key, v] : out.params)
      if (key == k) return true;
    return false;
  };
  if (!has("connect_timeout")) out.params.emplace_back("connect_timeout", "5");
  if (!has("application_name")) out.params.emplace_back("application_name", "connecthub");
  if (!has("client_encoding")) out.params.emplace_back("client_encoding", "UTF8");
  out.redacted = "postgresql://" + (user.empty() ? "" : user + "@") + host + (port.empty() ? "" : ":" + port) + "/" + dbname;
  return out;
}

}  // namespace connecthub::pg
