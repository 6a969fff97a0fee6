#include "core/upsert.h"

namespace connecthub {

Result<UpsertDecision> DecideUpsert(const ConnectSession& session, std::string_view provider,
                                    const std::vector<Account>& existing_for_key, const Account* session_account) {
  if (session.account_id) {
    // `multiple` has no effect with account_id (StackOne SDK docs).
    if (!session_account || session_account->project_id != session.project_id) {
      return NotFound("The account this link was made for no longer exists.");
    }
    if (session_account->provider != provider) {
      return PermissionDenied("This link can only edit the " + session_account->provider + " account it was made for.");
    }
    return UpsertDecision{UpsertAction::kUpdate, session_account->id};
  }
  if (session.provider && *session.provider != provider) {
    return PermissionDenied("This link is for " + *session.provider + " only.");
  }
  if (!session.multiple && !existing_for_key.empty()) {
    // Several accounts may share a key when they were made with multiple=true; update the oldest.
    const Account* oldest = &existing_for_key.front();
    for (const auto& a : existing_for_key) {
      if (a.seq < oldest->seq) oldest = &a;
    }
    return UpsertDecision{UpsertAction::kUpdate, oldest->id};
  }
  return UpsertDecision{UpsertAction::kCreate, {}};
}

std::optional<std::string> EditTarget(const ConnectSession& session, const std::vector<Account>& existing_for_key) {
  if (session.account_id) return session.account_id;
  if (session.provider && !session.multiple && !existing_for_key.empty()) {
    const Account* oldest = &existing_for_key.front();
    for (const auto& a : existing_for_key) {
      if (a.seq < oldest->seq) oldest = &a;
    }
    return oldest->id;
  }
  return std::nullopt;
}

}  // namespace connecthub
