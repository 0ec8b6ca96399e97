#include "api/image_catalog.hpp"

#include "cli/output.hpp"
#include "rpc/error.hpp"

namespace bv::api {
namespace {

admin::Image image_row(const Statement& row) {
    admin::Image image;
    image.set_name(row.text(0));
    image.set_file(row.text(1));
    image.set_size(static_cast<std::uint64_t>(row.integer(2)));
    image.set_sha256(row.text(3));
    image.set_added_at_ms(row.integer(4));
    *image.mutable_requirements() = message_column<v1::NodeRequirements>(row, 5);
    return image;
}

constexpr std::string_view kSelect = "SELECT name, file, size, sha256, added_at_ms, requirements FROM images ";

}  // namespace

void ImageCatalog::check_absent(std::string_view name) {
    if (auto existing = find(name)) {
        throw rpc::Error(rpc::Code::already_exists,
                         "image " + existing->name() + " exists already (added " +
                             cli::format_timestamp_ms(existing->added_at_ms()) +
                             "); images are immutable: build the new one with another version");
    }
}

void ImageCatalog::add(const admin::Image& image) {
    Transaction transaction(db_);
    check_absent(image.name());
    db_.run("INSERT INTO images (name, file, size, sha256, added_at_ms, requirements) VALUES (?, ?, ?, ?, ?, ?)",
            image.name(), image.file(), image.size(), image.sha256(), image.added_at_ms(),
            Blob{image.requirements().SerializeAsString()});
    transaction.commit();
}

std::optional<admin::Image> ImageCatalog::find(std::string_view name) {
    auto found = db_.query(std::string(kSelect) + "WHERE name = ?", name);
    if (!found.step()) return std::nullopt;
    return image_row(found);
}

std::vector<admin::Image> ImageCatalog::list() {
    auto statement = db_.prepare(std::string(kSelect) + "ORDER BY name");
    std::vector<admin::Image> images;
    while (statement.step()) images.push_back(image_row(statement));
    return images;
}

}  // namespace bv::api
