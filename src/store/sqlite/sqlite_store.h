#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace connecthub {

// SQLite in WAL mode. All writes go through one writer thread that commits queued writes together
// (group commit: one fsync for many requests, each write in its own savepoint so one failure does
// not undo the others); reads use a pool of connections that run in parallel with the writer.
// Creates the file and its folder on first use and applies migrations.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

}  // namespace connecthub
