// A thin RAII layer over the SQLite C API: one connection, cached prepared statements, bound
// parameters only. Not thread-safe: one thread uses a connection at a time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace connecthub::sqlite {

class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  // Binding by 1-based index.
  Stmt& Bind(int i, std::string_view v);
  Stmt& Bind(int i, const std::string& v) { return Bind(i, std::string_view(v)); }
  Stmt& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }
  Stmt& Bind(int i, int64_t v);
  Stmt& Bind(int i, const std::optional<std::string>& v);
  Stmt& Bind(int i, const std::optional<int64_t>& v);
  Stmt& BindNull(int i);
  // true: a row is ready; false: done. Errors become kUnavailable (busy) or kInternal.
  Result<bool> Step();
  Status Run();  // Step to completion, expecting no rows
  void Reset();

  std::string Text(int col) const;
  std::optional<std::string> OptText(int col) const;
  int64_t Int(int col) const;
  std::optional<int64_t> OptInt(int col) const;
  bool IsNull(int col) const;

 private:
  sqlite3_stmt* s_;
};

class Db {
 public:
  Db() = default;
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  Status Open(const std::string& path, bool read_only);
  Status Exec(std::string_view sql);
  // A prepared statement cached for the connection's life, reset and cleared of bindings.
  Result<Stmt*> Prepare(std::string_view sql);
  // Resets every statement of the connection, ending the implicit read transaction a statement that
  // stopped before SQLITE_DONE keeps open (which would pin an old snapshot).
  void ResetAll();
  int64_t LastInsertRowid() const;
  int Changes() const;
  std::string ErrorMessage() const;
  sqlite3* raw() { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::map<std::string, std::pair<sqlite3_stmt*, std::unique_ptr<Stmt>>, std::less<>> cache_;
};

// Maps a SQLite result code to an Error: busy/locked -> kUnavailable, constraint -> kConflict.
Error ErrorFrom(int rc, std::string_view what);

}  // namespace connecthub::sqlite
