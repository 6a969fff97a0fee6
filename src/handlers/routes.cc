#include "handlers/handlers.h"

namespace connecthub {

void AddAllRoutes(http::Router& r, AppContext& ctx) {
  AddHealthRoutes(r, ctx);
  AddConnectSessionRoutes(r, ctx);
  AddConnectorsMetaRoutes(r, ctx);
  AddHubRoutes(r, ctx);
  AddAccountRoutes(r, ctx);
  AddPageRoutes(r, ctx);
}

}  // namespace connecthub
