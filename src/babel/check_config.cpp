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
    std::vector<ConfigProblem> warnings;  // of a valid file

    bool valid() const { return problems.empty(); }
};

FileCheck check_file(const std::string& file) {
    try {
        return {file, {}, load_babel_config(file).warnings};
    } catch (const ConfigError& error) {
        return {file, error.problems(), {}};
    }
}

std::string ok_line(const FileCheck& check) {
    const auto count = check.warnings.size();
    if (count == 0) return check.file + ": ok";
    return check.file + ": ok (" + std::to_string(count) +
           (count == 1 ? " warning)" : " warnings)");
}

void write_text(const std::vector<FileCheck>& checks, std::ostream& out) {
    for (const auto& check : checks) {
        for (const auto& warning : check.warnings) out << warning.to_warning_string() << '\n';
        if (check.valid()) out << ok_line(check) << '\n';
        for (const auto& problem : check.problems) out << problem.to_string() << '\n';
    }
}

boost::json::object to_json(const ConfigProblem& problem) {
    return {{"line", problem.line},
            {"column", problem.column},
            {"key", problem.key},
            {"message", problem.message}};
}

boost::json::array to_json(const std::vector<ConfigProblem>& problems) {
    boost::json::array array;
    for (const auto& problem : problems) array.push_back(to_json(problem));
    return array;
}

boost::json::object to_json(const FileCheck& check) {
    return {{"file", check.file},
            {"valid", check.valid()},
            {"problems", to_json(check.problems)},
            {"warnings", to_json(check.warnings)}};
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
