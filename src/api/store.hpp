#pragma once

#include <filesystem>

#include "api/bundle_catalog.hpp"
#include "api/command_store.hpp"
#include "api/database.hpp"
#include "api/host_store.hpp"
#include "api/image_catalog.hpp"
#include "api/key_store.hpp"
#include "api/metrics_store.hpp"
#include "api/node_store.hpp"
#include "api/schema.hpp"

namespace bv::api {

// bv-api's state, in one SQLite database (DATA_DIR/api.db). Plain calls, no I/O of its own beside
// SQLite's: quick enough for the io_context thread (a read is microseconds; a commit is one fsync
// of the WAL). Opening it creates or migrates the schema.
struct Store {
    explicit Store(const std::filesystem::path& file) : db(file) { migrate(db); }

    Database db;
    HostStore hosts{db};
    NodeStore nodes{db};
    CommandStore commands{db};
    KeyStore keys{db};
    MetricsStore metrics{db};
    ImageCatalog images{db};
    BundleCatalog bundles{db};
};

}  // namespace bv::api
