#include "files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <string>
#include <system_error>

namespace sofy_run {
namespace {

[[noreturn]] void fail(int e, const std::string& what) {
  throw std::system_error(e, std::generic_category(), what);
}

std::filesystem::path directory_of(const std::filesystem::path& path) {
  std::filesystem::path dir = path.parent_path();
  return dir.empty() ? std::filesystem::path(".") : dir;
}

}  // namespace

void write_atomically(const std::filesystem::path& path, std::string_view content) {
  std::random_device rd;
  const std::filesystem::path tmp =
      directory_of(path) / ("." + path.filename().string() + ".tmp-" + std::to_string(::getpid()) +
                            "-" + std::to_string(rd() % 1000000));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail(errno, "writing " + path.string() + ": cannot create " + tmp.string());
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int e = n < 0 ? errno : EIO;
      ::close(fd);
      ::unlink(tmp.c_str());
      fail(e, "writing " + tmp.string());
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    fail(e, "writing " + tmp.string());
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    fail(e, "writing " + path.string() + ": cannot rename " + tmp.string() + " to it");
  }
}

std::string check_writable(const std::filesystem::path& path) {
  const std::filesystem::path dir = directory_of(path);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0)
    return "directory " + dir.string() + ": " + std::strerror(errno);
  if (!S_ISDIR(st.st_mode)) return dir.string() + " is not a directory";
  if (::access(dir.c_str(), W_OK) != 0) return "directory " + dir.string() + " is not writable";
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return path.string() + " is a directory";
  return {};
}

}  // namespace sofy_run
