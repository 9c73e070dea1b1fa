// A child process for end-to-end tests: spawned with posix_spawn, stdout and stderr
// captured to files, signals, a bounded wait, and SIGKILL when the object goes away
// (a failing REQUIRE unwinds through it, so no test leaves a child behind).
//
//   sofy::test::process p{{EXE, "run", "--config", cfg}, {{"SOFY_AUTH_KEY", key}}, dir};
//   p.signal(SIGTERM);
//   int code = p.wait(10s);        // exit code, 128 + signal, or -1 if still running
//   std::string log = p.err();
//
// The child gets exactly the environment given (no inherited secrets, no surprises),
// stdin from /dev/null, and the files `<name>.out` and `<name>.err` in `dir`.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace sofy::test {

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A fresh, empty directory under the system's temp directory, unique per process and call.
inline std::filesystem::path fresh_dir(const std::string& what) {
  static int count = 0;
  const auto d =
      std::filesystem::temp_directory_path() /
      ("sofy-" + what + "-" + std::to_string(::getpid()) + "-" + std::to_string(++count));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

// Polls `done` every 10 ms until it is true or `limit` passes; returns its last value.
inline bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

class process {
 public:
  using environment = std::map<std::string, std::string>;

  process(std::vector<std::string> args, const environment& env, std::filesystem::path dir,
          std::string name = "proc")
      : out_(dir / (name + ".out")), err_(dir / (name + ".err")) {
    if (args.empty()) throw std::invalid_argument("process: no program");
    std::vector<std::string> envs;
    for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : envs) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    // Our own buffered output must not be written twice (posix_spawn may fork).
    std::fflush(nullptr);
    const int rc = ::posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("posix_spawn " + args[0] + ": " + std::to_string(rc));
  }
  process(const process&) = delete;
  process& operator=(const process&) = delete;
  ~process() { kill(); }

  pid_t pid() const noexcept { return pid_; }

  // The exit code, 128 + the signal if one ended it, or -1 if it is still running after
  // `limit`. Once it has ended, every call returns the same code at once.
  int wait(std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    if (pid_ <= 0) return code_;
    const auto until = std::chrono::steady_clock::now() + limit;
    int status = 0;
    for (;;) {
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) break;
      if (r < 0) {  // not our child any more: nothing to wait for
        pid_ = -1;
        return code_;
      }
      if (std::chrono::steady_clock::now() > until) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    pid_ = -1;
    code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return code_;
  }

  void signal(int sig) const {
    if (pid_ > 0) ::kill(pid_, sig);
  }

  bool running() { return pid_ > 0 && wait(std::chrono::milliseconds(0)) == -1; }

  // SIGKILL and reap; harmless when it has already ended.
  void kill() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      pid_ = -1;
    }
  }

  std::string out() const { return slurp(out_); }
  std::string err() const { return slurp(err_); }

 private:
  std::filesystem::path out_, err_;
  pid_t pid_ = -1;
  int code_ = -1;
};

}  // namespace sofy::test
