// Replay driver for the libFuzzer targets in the GCC dev build: feeds every
// file given (or every file in a directory given) to LLVMFuzzerTestOneInput.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

int replay_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        return 1;
    }
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // A heap copy of exactly the input's size, as libFuzzer does, so ASan sees
    // any read past the end.
    std::vector<std::uint8_t> copy(bytes.begin(), bytes.end());
    LLVMFuzzerTestOneInput(copy.data(), copy.size());
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    int inputs = 0;
    static const std::uint8_t none[1] = {};
    LLVMFuzzerTestOneInput(none, 0); // the empty input is always a case
    ++inputs;
    for (int i = 1; i < argc; ++i) {
        const fs::path arg = argv[i];
        if (fs::is_directory(arg)) {
            for (const auto& entry : fs::recursive_directory_iterator(arg)) {
                if (!entry.is_regular_file()) continue;
                if (replay_file(entry.path()) != 0) return 1;
                ++inputs;
            }
        } else if (fs::exists(arg)) {
            if (replay_file(arg) != 0) return 1;
            ++inputs;
        } else {
            std::printf("no corpus at %s (only the empty input was replayed)\n", arg.c_str());
        }
    }
    std::printf("replayed %d input(s) without a finding\n", inputs);
    return 0;
}
