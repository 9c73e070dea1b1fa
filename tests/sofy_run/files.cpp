// Tests of examples/sofy-run/files.hpp: atomic report files and the early writability check.
#include <files.hpp>

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

struct temp_dir {
  temp_dir() {
    path = fs::temp_directory_path() /
           ("sofy-run-files-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_all, ec);
    fs::remove_all(path, ec);
  }
  static inline int n = 0;
  fs::path path;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t entries(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

}  // namespace

TEST_CASE("files: write_atomically creates and replaces the file and leaves no temporary") {
  temp_dir d;
  const fs::path f = d.path / "junit.xml";
  sofy_run::write_atomically(f, "first");
  CHECK(slurp(f) == "first");
  sofy_run::write_atomically(f, std::string(100000, 'x'));
  CHECK(slurp(f) == std::string(100000, 'x'));
  CHECK(entries(d.path) == 1);
  struct stat st {};
  REQUIRE(::stat(f.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == (0644 & ~[] {
          mode_t m = ::umask(0);
          ::umask(m);
          return m;
        }()));
}

TEST_CASE("files: write_atomically fails with the path and keeps the old file") {
  temp_dir d;
  const fs::path missing = d.path / "no-such-dir" / "junit.xml";
  try {
    sofy_run::write_atomically(missing, "x");
    FAIL("no error");
  } catch (const std::system_error& e) {
    CHECK(std::string(e.what()).find(missing.string()) != std::string::npos);
    CHECK(e.code() == std::errc::no_such_file_or_directory);
  }
  // A directory where the file should be: the rename fails, the temporary is removed.
  fs::create_directories(d.path / "taken");
  fs::create_directories(d.path / "taken" / "inside");
  CHECK_THROWS_AS(sofy_run::write_atomically(d.path / "taken", "x"), std::system_error);
  CHECK(entries(d.path) == 1);
}

TEST_CASE("files: check_writable says why a report could not be written") {
  temp_dir d;
  CHECK(sofy_run::check_writable(d.path / "junit.xml").empty());
  CHECK(sofy_run::check_writable("relative-junit.xml").empty());  // the working directory
  CHECK(sofy_run::check_writable(d.path / "missing" / "j.xml").find("No such file or directory") !=
        std::string::npos);
  CHECK(sofy_run::check_writable(d.path) == d.path.string() + " is a directory");
  std::ofstream(d.path / "file") << "x";
  CHECK(sofy_run::check_writable(d.path / "file" / "j.xml") ==
        (d.path / "file").string() + " is not a directory");
  if (::geteuid() != 0) {  // root writes anywhere
    fs::permissions(d.path, fs::perms::owner_read | fs::perms::owner_exec);
    CHECK(sofy_run::check_writable(d.path / "j.xml") ==
          "directory " + d.path.string() + " is not writable");
  }
}
