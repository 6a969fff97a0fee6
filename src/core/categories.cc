#include "core/categories.h"

#include <algorithm>

namespace connecthub {

bool IsKnownCategory(std::string_view c) {
  return std::find(kCategories.begin(), kCategories.end(), c) != kCategories.end();
}

std::string_view CategoryDisplayName(std::string_view c) {
  if (c == "ats") return "Applicant tracking";
  if (c == "hris" || c == "hris-legacy") return "HR";
  if (c == "crm") return "CRM";
  if (c == "iam") return "Identity & access";
  if (c == "marketing") return "Marketing";
  if (c == "lms") return "Learning";
  if (c == "documents") return "Documents";
  if (c == "ticketing") return "Ticketing";
  if (c == "screening") return "Screening";
  if (c == "messaging") return "Messaging";
  if (c == "accounting") return "Accounting";
  return c;
}

}  // namespace connecthub
