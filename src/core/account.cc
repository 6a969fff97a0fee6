#include "core/types.h"

namespace connecthub {

const char* AccountTypeName(AccountType t) { return t == AccountType::kTest ? "test" : "production"; }

const char* AccountStatusName(AccountStatus s) {
  switch (s) {
    case AccountStatus::kActive: return "active";
    case AccountStatus::kInactive: return "inactive";
    case AccountStatus::kError: return "error";
  }
  return "error";
}

std::optional<AccountStatus> ParseAccountStatus(std::string_view s) {
  if (s == "active") return AccountStatus::kActive;
  if (s == "inactive") return AccountStatus::kInactive;
  if (s == "error") return AccountStatus::kError;
  return std::nullopt;
}

}  // namespace connecthub
