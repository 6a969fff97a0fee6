// A thin layer over libpq: bound text parameters, result rows, one connection with its statements
// prepared once (lazily, by name), and a fixed-size pool of such connections.
// A Conn is used by one thread at a time (the pool hands it out); the Pool is thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/result.h"

typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

namespace connecthub::pg {

// True when PostgreSQL can store `s` as text unchanged: valid UTF-8 without NUL bytes.
bool Storable(std::string_view s);

// Query parameters ($1, $2, ...), all sent in text format; the server infers or casts their types.
class Params {
 public:
  Params& Add(std::string_view v);
  Params& Add(const std::string& v) { return Add(std::string_view(v)); }
  Params& Add(const char* v) { return Add(std::string_view(v)); }
  Params& Add(int64_t v);
  Params& Add(int v) { return Add(static_cast<int64_t>(v)); }
  Params& Add(const std::optional<std::string>& v) { return v ? Add(std::string_view(*v)) : Null(); }
  Params& Add(const std::optional<int64_t>& v) { return v ? Add(*v) : Null(); }
  Params& Bool(bool v) { return Add(std::string_view(v ? "true" : "false")); }
  Params& Null();

  size_t size() const { return values_.size(); }
  // A text value with a NUL byte: libpq would silently cut it short, so such a query is refused.
  bool has_nul() const { return has_nul_; }
  std::vector<const char*> Pointers() const;

 private:
  std::vector<std::string> values_;
  std::vector<bool> null_;
  bool has_nul_ = false;
};

// One column of one result row, read as text.
class Row {
 public:
  Row(const PGresult* r, int row) : r_(r), row_(row) {}
  std::string Text(int col) const;
  std::optional<std::string> OptText(int col) const;
  int64_t Int(int col) const;
  std::optional<int64_t> OptInt(int col) const;
  bool Bool(int col) const;
  bool IsNull(int col) const;

 private:
  const PGresult* r_;
  int row_;
};

// An owned PGresult.
class Res {
 public:
  Res() = default;
  explicit Res(PGresult* r) : r_(r, &Free) {}
  int rows() const;
  Row row(int i) const { return Row(r_.get(), i); }
  // Rows a command changed (INSERT/UPDATE/DELETE), from the command tag.
  int64_t affected() const;

 private:
  static void Free(PGresult* r);
  std::unique_ptr<PGresult, void (*)(PGresult*)> r_{nullptr, &Free};
};

// Keyword/value connection parameters for PQconnectdbParams.
using ConnParams = std::vector<std::pair<std::string, std::string>>;

class Conn {
 public:
  Conn() = default;
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  Status Connect(const ConnParams& params);
  void Close();
  bool connected() const { return conn_ != nullptr; }
  // The connection failed and must be reopened before the next use.
  bool broken() const { return broken_; }
  // Not idle: inside a transaction (or its state is unknown).
  bool in_transaction() const;

  // Runs `sql` as a statement prepared once on this connection (named, parameters bound).
  Result<Res> Exec(std::string_view sql, const Params& p = {});
  // Runs `sql` unprepared (unnamed statement, parameters bound): for texts built at run time.
  Result<Res> ExecOnce(const std::string& sql, const Params& p);
  // Runs one or more statements without parameters (BEGIN, COMMIT, migrations).
  Result<Res> ExecScript(std::string_view sql);

  // Whether a serialization failure or deadlock (retry the transaction) happened since ClearFlags().
  bool retryable() const { return retryable_; }
  void ClearFlags() { retryable_ = false; }
  std::string last_command_status;

 private:
  Result<Res> Check(PGresult* r, std::string_view what);

  PGconn* conn_ = nullptr;
  bool broken_ = false;
  bool retryable_ = false;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name
};

// A fixed number of connections, opened on first use and reopened after a failure.
class Pool {
 public:
  Pool(ConnParams params, size_t size, std::chrono::milliseconds acquire_timeout);

  class Lease {
   public:
    Lease(Pool* pool, Conn* conn, bool reused) : pool_(pool), conn_(conn), reused_(reused) {}
    Lease(Lease&& o) noexcept : pool_(std::exchange(o.pool_, nullptr)), conn_(o.conn_), reused_(o.reused_) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Conn& operator*() const { return *conn_; }
    Conn* operator->() const { return conn_; }
    // The connection was already open (so it may have gone stale since its last use).
    bool reused() const { return reused_; }

   private:
    Pool* pool_;
    Conn* conn_;
    bool reused_;
  };

  // Waits up to the acquire timeout for a free connection; opens it if needed (kUnavailable on failure).
  Result<Lease> Acquire();
  size_t size() const { return conns_.size(); }
  struct Use {
    size_t open = 0, in_use = 0, waiting = 0;
  };
  Use Usage();

 private:
  void Release(Conn* c);

  ConnParams params_;
  std::chrono::milliseconds acquire_timeout_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Conn*> idle_;
  size_t open_ = 0;     // guarded by mu_; a lent-out Conn is not read from other threads
  size_t waiting_ = 0;  // guarded by mu_
};

// Splits a postgresql:// URL into libpq parameters plus our own: `pool_size` (default 8) is removed
// before libpq sees it; connect_timeout=5, application_name=connecthub and client_encoding=UTF8 are
// added unless given. kInvalidArgument when libpq cannot parse it.
struct ParsedUrl {
  ConnParams params;
  size_t pool_size = 8;
  std::string redacted;  // for logs: the URL without its password
};
Result<ParsedUrl> ParseUrl(std::string_view url);

}  // namespace connecthub::pg
