#pragma once

#include <memory>
#include <string_view>

#include "store/store.h"

namespace connecthub {

// PostgreSQL through libpq, for running several connecthub instances on one database.
// `url` is a libpq URL (postgresql://user[:password]@host[:port]/dbname[?param=value...]); the extra
// query parameter `pool_size` (default 8) sets how many connections this process opens at most.
// Connects, applies pending migrations (serialized across processes by an advisory lock) and returns
// the store; kUnavailable when the database cannot be reached, kInvalidArgument for a bad URL.
Result<std::unique_ptr<Store>> OpenPostgresStore(std::string_view url);

}  // namespace connecthub
