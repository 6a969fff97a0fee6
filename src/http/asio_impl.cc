// The compiled part of Asio (with its SSL support) and Beast, built once for every target that links
// connecthub_asio. CMake defines BOOST_ASIO_SEPARATE_COMPILATION and BOOST_BEAST_SEPARATE_COMPILATION
// for those targets, so their own files see only declarations.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
