// StackOne's closed list of categories. Nothing outside it is ever emitted where the SDK expects one.
#pragma once

#include <array>
#include <string_view>

namespace connecthub {

inline constexpr std::array<std::string_view, 13> kCategories = {
    "ats", "hris", "hris-legacy", "crm", "iam", "marketing", "lms",
    "stackone", "documents", "ticketing", "screening", "messaging", "accounting"};

bool IsKnownCategory(std::string_view c);
// Human name for the hub UI ("HRIS", "Applicant tracking", ...).
std::string_view CategoryDisplayName(std::string_view c);

}  // namespace connecthub
