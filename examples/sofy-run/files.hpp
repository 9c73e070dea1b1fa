// Report files written so that a reader never sees half of one.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace sofy_run {

// Writes `content` to a new temporary file beside `path` (same directory, so the rename
// stays within one file system), flushes it to disk and renames it over `path`. A reader
// sees the old file or the whole new one, never a part. On failure the temporary is
// removed and std::system_error says which file and why.
void write_atomically(const std::filesystem::path& path, std::string_view content);

// Whether a file can be created at `path` (its directory exists and is writable), so a
// bad --junit path is a usage error before a two-hour run rather than after it.
// Returns "" when it can, else the reason.
std::string check_writable(const std::filesystem::path& path);

}  // namespace sofy_run
