// Stand-in for the one GLIBCXX_3.4.32 symbol that TorchSharp's libLibTorchSharp.so imports.
//
// GCC 13 headers no longer give every translation unit that includes <iostream> its own static
// std::ios_base::Init object; instead they reference std::ios_base_library_init() (new in
// libstdc++ GLIBCXX_3.4.32) so that the linker records a dependency on a libstdc++ that sets up
// std::cout and friends itself. On an older libstdc++ (Debian 12: up to GLIBCXX_3.4.30) that
// symbol does not exist. This shim provides it, and, compiled with the system's older headers,
// its <iostream> include adds the static std::ios_base::Init object that those headers still
// emit, so the standard streams are constructed before libLibTorchSharp.so's constructors run
// (a library's dependencies are initialised before the library).
// See README.md in this folder.
#include <iostream>

namespace std
{
    __attribute__((visibility("default"))) void ios_base_library_init() {}
}
