#include "api/bundle_catalog.hpp"

#include <algorithm>

#include "cli/output.hpp"
#include "install/version.hpp"
#include "rpc/error.hpp"

namespace bv::api {
namespace {

admin::StoredBundle bundle_row(const Statement& row) {
    admin::StoredBundle stored;
    auto& bundle = *stored.mutable_bundle();
    bundle.set_version(row.text(0));
    stored.set_file(row.text(1));
    bundle.set_size(static_cast<std::uint64_t>(row.integer(2)));
    bundle.set_sha256(row.text(3));
    bundle.set_published_at_ms(row.integer(4));
    return stored;
}

constexpr std::string_view kSelect = "SELECT version, file, size, sha256, published_at_ms FROM bundles ";

}  // namespace

void BundleCatalog::check_absent(std::string_view version) {
    if (auto existing = find(version)) {
        throw rpc::Error(rpc::Code::already_exists,
                         "bundle " + existing->bundle().version() + " is published already (at " +
                             cli::format_timestamp_ms(existing->bundle().published_at_ms()) +
                             "); bundles are immutable: make the new one with another version (scripts/bundle --version)");
    }
}

void BundleCatalog::add(const admin::StoredBundle& stored) {
    const auto& bundle = stored.bundle();
    Transaction transaction(db_);
    check_absent(bundle.version());
    db_.run("INSERT INTO bundles (version, file, size, sha256, published_at_ms) VALUES (?, ?, ?, ?, ?)",
            bundle.version(), stored.file(), bundle.size(), bundle.sha256(), bundle.published_at_ms());
    transaction.commit();
}

std::optional<admin::StoredBundle> BundleCatalog::find(std::string_view version) {
    auto found = db_.query(std::string(kSelect) + "WHERE version = ?", version);
    if (!found.step()) return std::nullopt;
    return bundle_row(found);
}

std::vector<admin::StoredBundle> BundleCatalog::list() {
    auto statement = db_.prepare(std::string(kSelect));
    std::vector<admin::StoredBundle> bundles;
    while (statement.step()) bundles.push_back(bundle_row(statement));
    // Only parsable versions are published (publish_bundle checks), so every one has its numbers.
    const auto numbers = [](const admin::StoredBundle& stored) {
        return install::Version::parse(stored.bundle().version()).value_or(install::Version{});
    };
    std::ranges::sort(bundles, [&](const auto& a, const auto& b) { return numbers(a) > numbers(b); });
    return bundles;
}

}  // namespace bv::api
