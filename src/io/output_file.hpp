#pragma once

#include "io/element_type.hpp"
#include "io/records.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace kdsched::io {

class Group;

// A dataset being written row block by row block (for data generators and streamed results).
class DatasetWriter {
 public:
  ~DatasetWriter();
  DatasetWriter(DatasetWriter&&) noexcept;
  DatasetWriter& operator=(DatasetWriter&&) noexcept;

  // Writes rows [begin, begin + values.size() / cols) from float64, converted to the file type.
  void write_rows(std::uint64_t begin, std::span<const double> values);
  void write_rows(std::uint64_t begin, std::span<const std::int32_t> values);

 private:
  friend class Group;
  struct Impl;
  explicit DatasetWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A group of an output file: attributes and datasets under it.
class Group {
 public:
  ~Group();
  Group(Group&&) noexcept;
  Group& operator=(Group&&) noexcept;

  Group create_group(const std::string& name);

  void set_attribute(const std::string& name, const std::string& value);
  void set_attribute(const std::string& name, double value);
  void set_attribute(const std::string& name, std::int64_t value);
  void set_attribute(const std::string& name, std::uint64_t value);

  // dims empty means 1-D of values.size(); otherwise the product of dims must equal values.size().
  void write(const std::string& name, std::span<const double> values, std::vector<std::uint64_t> dims = {});
  void write(const std::string& name, std::span<const std::uint64_t> values, std::vector<std::uint64_t> dims = {});
  void write(const std::string& name, std::span<const std::int64_t> values, std::vector<std::uint64_t> dims = {});
  void write(const std::string& name, std::span<const std::int32_t> values, std::vector<std::uint64_t> dims = {});

  void write_partitions(const std::string& name, std::span<const PartitionRecord> records);
  void write_workers(const std::string& name, std::span<const WorkerRecord> records);

  // An empty dataset of rows x cols (cols = 0: 1-D) filled later through the writer; chunked by
  // chunk_rows rows when chunk_rows > 0.
  DatasetWriter create_dataset(const std::string& name, ElementType type, std::uint64_t rows,
                               std::uint64_t cols, std::uint64_t chunk_rows);

 private:
  friend class OutputFile;
  struct Impl;
  explicit Group(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// An HDF5 file written atomically: everything goes to a temporary in the same folder,
// "<path>.tmp-<host>.<pid>.<16 random hex digits>", created exclusively (never through a link, never
// over an existing file), which commit() renames to `path`. Destroying an uncommitted file removes
// the temporary, so no half-written file is ever left under the final name. A link at `path` is
// never followed: it counts as an existing output, and a forced commit replaces the link itself.
class OutputFile {
 public:
  // Throws IoError when `path` exists and `force` is false, or when its folder is not writable.
  // First removes the temporaries of `path` that earlier processes of this user on this host left
  // when they were killed (see docs/output-format.md).
  OutputFile(const std::filesystem::path& path, bool force);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  Group& root();
  void commit();

  // Where the file is written until commit(): what to remove when the process must end abruptly.
  const std::filesystem::path& temporary() const { return temporary_; }

  // The same checks as the constructor, without creating anything: lets a run fail before it
  // computes anything when its result could not be written.
  static void check_writable(const std::filesystem::path& path, bool force);

 private:
  std::filesystem::path path_;
  std::filesystem::path temporary_;
  bool committed_ = false;
  std::unique_ptr<Group> root_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A file read while an output is written, with its role for messages ("input", "costs_from").
struct SourceFile {
  std::string role;
  std::filesystem::path path;
};

// Throws IoError when `output` is a directory, and UsageError when it is one of `sources`: the same
// file by identity (device and inode), so that aliases such as "sub/../in.h5" and hard links count.
// A run refuses it even with --force, since its result would replace a file it reads.
void check_output_path(const std::filesystem::path& output, std::span<const SourceFile> sources);

// Creates `folder` and missing parents, then throws IoError unless the folder itself is a directory
// owned by this user, not a link: whoever controls a folder controls which file a name in it is,
// so files a run writes by predictable names (the command kernel's logs) must go into its own.
void make_own_folder(const std::filesystem::path& folder);

}  // namespace kdsched::io
