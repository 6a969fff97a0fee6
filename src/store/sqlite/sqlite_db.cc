#include "store/sqlite/sqlite_db.h"

#include <memory>

#include <sqlite3.h>

namespace connecthub::sqlite {

Error ErrorFrom(int rc, std::string_view what) {
  const int primary = rc & 0xff;
  std::string msg = std::string(what) + ": " + sqlite3_errstr(rc);
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return Unavailable("database is busy (" + msg + ")");
  if (primary == SQLITE_CONSTRAINT) return Conflict(msg);
  if (primary == SQLITE_FULL || primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN) return Unavailable(msg);
  return Internal(msg);
}

Stmt& Stmt::Bind(int i, std::string_view v) {
  sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::Bind(int i, int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}
Stmt& Stmt::Bind(int i, const std::optional<std::string>& v) { return v ? Bind(i, std::string_view(*v)) : BindNull(i); }
Stmt& Stmt::Bind(int i, const std::optional<int64_t>& v) { return v ? Bind(i, *v) : BindNull(i); }
Stmt& Stmt::BindNull(int i) {
  sqlite3_bind_null(s_, i);
  return *this;
}

Result<bool> Stmt::Step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return ErrorFrom(sqlite3_extended_errcode(sqlite3_db_handle(s_)), "step");
}

Status Stmt::Run() {
  for (;;) {
    CH_TRY(bool row, Step());
    if (!row) return OkStatus();
  }
}

void Stmt::Reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

std::string Stmt::Text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s_, col))) : std::string();
}
std::optional<std::string> Stmt::OptText(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Text(col);
}
int64_t Stmt::Int(int col) const { return sqlite3_column_int64(s_, col); }
std::optional<int64_t> Stmt::OptInt(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Int(col);
}
bool Stmt::IsNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

Db::~Db() {
  for (auto& [sql, entry] : cache_) sqlite3_finalize(entry.first);
  if (db_) sqlite3_close_v2(db_);
}

Status Db::Open(const std::string& path, bool read_only) {
  int flags = (read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) return ErrorFrom(rc, "open " + path);
  sqlite3_extended_result_codes(db_, 1);
  // Other processes (the CLI, a second server during a restart) may hold the write lock briefly.
  sqlite3_busy_timeout(db_, 5000);
  return OkStatus();
}

Status Db::Exec(std::string_view sql) {
  char* err = nullptr;
  std::string s(sql);
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    Error e = ErrorFrom(sqlite3_extended_errcode(db_), "exec");
    e.message += " (" + msg + ")";
    return e;
  }
  return OkStatus();
}

Result<Stmt*> Db::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    if (rc != SQLITE_OK) {
      Error e = ErrorFrom(rc, "prepare");
      e.message += " (" + std::string(sqlite3_errmsg(db_)) + ")";
      return e;
    }
    it = cache_.emplace(std::string(sql), std::make_pair(s, std::make_unique<Stmt>(s))).first;
  }
  it->second.second->Reset();
  return it->second.second.get();
}

void Db::ResetAll() {
  for (sqlite3_stmt* s = sqlite3_next_stmt(db_, nullptr); s; s = sqlite3_next_stmt(db_, s)) sqlite3_reset(s);
}

int64_t Db::LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }
int Db::Changes() const { return sqlite3_changes(db_); }
std::string Db::ErrorMessage() const { return sqlite3_errmsg(db_); }

}  // namespace connecthub::sqlite
