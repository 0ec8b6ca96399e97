#include "api/data_dir.hpp"

#include "api/secrets.hpp"
#include "common/files.hpp"

namespace bv::api {
namespace {

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
    return text;
}

}  // namespace

std::string ensure_admin_token(const std::filesystem::path& file) {
    if (auto existing = read_file_if_exists(file)) return trimmed(std::move(*existing));
    const auto token = random_token();
    write_file_atomically(file, token + "\n", 0600);
    return token;
}

std::string read_admin_token(const std::filesystem::path& file) {
    try {
        auto token = read_file_if_exists(file);
        if (!token) {
            throw std::runtime_error("no admin token at " + file.string() +
                                     ": start the server once with 'bv-api serve --data " +
                                     file.parent_path().string() + "'");
        }
        return trimmed(std::move(*token));
    } catch (const std::system_error& error) {
        throw std::runtime_error(std::string("cannot read the admin token: ") + error.what());
    }
}

}  // namespace bv::api
