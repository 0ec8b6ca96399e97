#include "rpc/file_response.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "common/files.hpp"
#include "support/process.hpp"

namespace bv::rpc {
namespace {

using Kind = RangeRequest::Kind;

struct RangeCase {
    const char* header;
    std::uint64_t size;
    Kind kind;
    std::uint64_t first = 0;
    std::uint64_t length = 0;
};

TEST(ParseRange, FollowsRfc9110ForSingleByteRanges) {
    const RangeCase cases[] = {
        {"", 100, Kind::whole},
        {"bytes=0-9", 100, Kind::partial, 0, 10},
        {"bytes=50-", 100, Kind::partial, 50, 50},
        {"bytes=90-200", 100, Kind::partial, 90, 10},   // the end is clamped to the file
        {"bytes=-10", 100, Kind::partial, 90, 10},      // the last 10 bytes
        {"bytes=-500", 100, Kind::partial, 0, 100},     // more than there is: all of it
        {"bytes=99-99", 100, Kind::partial, 99, 1},
        {" Bytes = 5 - 6 ", 100, Kind::partial, 5, 2},  // unit case and spaces
        {"bytes=0-99999999999999999999999", 100, Kind::partial, 0, 100},
        {"bytes=100-", 100, Kind::unsatisfiable},       // starts at the end
        {"bytes=99999999999999999999999-", 100, Kind::unsatisfiable},
        {"bytes=0-", 0, Kind::unsatisfiable},           // nothing to send of an empty file
        {"bytes=-0", 100, Kind::unsatisfiable},
        {"bytes=9-3", 100, Kind::unsatisfiable},        // malformed
        {"bytes=x-3", 100, Kind::unsatisfiable},
        {"bytes=3", 100, Kind::unsatisfiable},
        {"bytes", 100, Kind::unsatisfiable},
        {"items=0-9", 100, Kind::whole},                // a unit this server does not know
        {"bytes=0-1,5-6", 100, Kind::whole},            // several ranges: answered with the whole file
    };
    for (const auto& test : cases) {
        const auto range = parse_range(test.header, test.size);
        EXPECT_EQ(range.kind, test.kind) << test.header;
        if (test.kind == Kind::partial) {
            EXPECT_EQ(range.range.first, test.first) << test.header;
            EXPECT_EQ(range.range.length, test.length) << test.header;
        }
    }
}

class AnswerFileRequest : public ::testing::Test {
protected:
    AnswerFileRequest() {
        std::filesystem::create_directories(dir_.path() / "images");
        write_file_atomically(dir_.path() / "images/a.tar.gz", "0123456789");
    }
    FileAnswer answer(std::string_view path, std::string_view range = {}, bool head_only = false) {
        return answer_file_request(dir_.path(), path, head_only, range, true);
    }
    std::string body(FileAnswer& answer) {
        std::string bytes;
        boost::asio::io_context io;
        boost::asio::co_spawn(
            io,
            [&]() -> boost::asio::awaitable<void> {
                while (!answer.content.done()) bytes += co_await answer.content.read_some();
            },
            boost::asio::detached);
        io.run();
        return bytes;
    }
    bv::test::TempDir dir_{"bv-files"};
};

TEST_F(AnswerFileRequest, WholeFile) {
    auto whole = answer("images/a.tar.gz");
    EXPECT_TRUE(whole.head.starts_with("HTTP/1.1 200 OK\r\n")) << whole.head;
    EXPECT_NE(whole.head.find("Content-Length: 10\r\n"), std::string::npos);
    EXPECT_NE(whole.head.find("Accept-Ranges: bytes\r\n"), std::string::npos);
    EXPECT_TRUE(whole.head.ends_with("\r\n\r\n"));
    EXPECT_EQ(body(whole), "0123456789");
}

TEST_F(AnswerFileRequest, PartialContentFromTheMiddle) {
    auto partial = answer("images/a.tar.gz", "bytes=4-");
    EXPECT_TRUE(partial.head.starts_with("HTTP/1.1 206 Partial Content\r\n")) << partial.head;
    EXPECT_NE(partial.head.find("Content-Range: bytes 4-9/10\r\n"), std::string::npos) << partial.head;
    EXPECT_NE(partial.head.find("Content-Length: 6\r\n"), std::string::npos);
    EXPECT_EQ(body(partial), "456789");
}

TEST_F(AnswerFileRequest, UnsatisfiableRangeSaysTheSize) {
    auto refused = answer("images/a.tar.gz", "bytes=10-");
    EXPECT_TRUE(refused.head.starts_with("HTTP/1.1 416 Range Not Satisfiable\r\n")) << refused.head;
    EXPECT_NE(refused.head.find("Content-Range: bytes */10\r\n"), std::string::npos);
    EXPECT_TRUE(refused.content.done());
}

TEST_F(AnswerFileRequest, HeadHasTheHeadersOnly) {
    auto head = answer("images/a.tar.gz", "", true);
    EXPECT_NE(head.head.find("Content-Length: 10\r\n"), std::string::npos);
    EXPECT_TRUE(head.content.done());
}

TEST_F(AnswerFileRequest, PathsThatAreNotPlainOrNotFilesAreNotFound) {
    std::filesystem::create_symlink(dir_.path() / "images/a.tar.gz", dir_.path() / "images/link");
    for (const char* path : {"images/missing", "images", "images/", "../images/a.tar.gz", "images/../images/a.tar.gz",
                             "images//a.tar.gz", "./images/a.tar.gz", "images/a%2etar.gz", "/etc/passwd", "",
                             "images/link"}) {
        const auto refused = answer(path);
        EXPECT_TRUE(refused.head.starts_with("HTTP/1.1 404 Not Found\r\n")) << path << ": " << refused.head;
    }
}

}  // namespace
}  // namespace bv::rpc
