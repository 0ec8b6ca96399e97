#pragma once

#include <string>

namespace bv::rpc {

// A unary response that its handler encoded itself, in protobuf's binary form (a long list
// made of encodings it keeps per entry). The router sends it as it is to a binary caller, and
// decodes and encodes it again for a JSON one.
template <class Message>
struct Encoded {
    std::string proto;
};

}  // namespace bv::rpc
