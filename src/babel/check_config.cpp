#include "babel/check_config.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <iterator>
#include <ostream>

#include "babel/config.hpp"

namespace bv::babel {
namespace {

struct FileCheck {
    std::string file;
    std::vector<ConfigProblem> problems;

    bool valid() const { return problems.empty(); }
};

FileCheck check_file(const std::string& file) {
    try {
        load_babel_config(file);
        return {file, {}};
    } catch (const ConfigError& error) {
        return {file, error.problems()};
    }
}

void write_text(const std::vector<FileCheck>& checks, std::ostream& out) {
    for (const auto& check : checks) {
        if (check.valid()) out << check.file << ": ok\n";
        for (const auto& problem : check.problems) out << problem.to_string() << '\n';
    }
}

boost::json::object to_json(const ConfigProblem& problem) {
    return {{"line", problem.line},
            {"column", problem.column},
            {"key", problem.key},
            {"message", problem.message}};
}

boost::json::object to_json(const FileCheck& check) {
    boost::json::array problems;
    for (const auto& problem : check.problems) problems.push_back(to_json(problem));
    return {{"file", check.file}, {"valid", check.valid()}, {"problems", std::move(problems)}};
}

void write_json(const std::vector<FileCheck>& checks, std::ostream& out) {
    boost::json::array files;
    for (const auto& check : checks) files.push_back(to_json(check));
    out << boost::json::serialize(boost::json::object{{"files", std::move(files)}}) << '\n';
}

}  // namespace

int check_config_files(const std::vector<std::string>& files, bool json, std::ostream& out) {
    std::vector<FileCheck> checks;
    std::transform(files.begin(), files.end(), std::back_inserter(checks), check_file);
    if (json) {
        write_json(checks, out);
    } else {
        write_text(checks, out);
    }
    const bool all_valid = std::all_of(checks.begin(), checks.end(),
                                       [](const FileCheck& check) { return check.valid(); });
    return all_valid ? 0 : 1;
}

}  // namespace bv::babel
