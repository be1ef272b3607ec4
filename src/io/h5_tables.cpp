#include "io/h5_tables.hpp"

#include "io/h5_error.hpp"
#include "io/h5_types.hpp"

#include <cstddef>
#include <initializer_list>

namespace kdsched::io::h5 {
namespace {

struct Field {
  const char* name;
  std::size_t offset;  // in the C++ struct
  hid_t memory;
  hid_t file;
};

Handle compound(std::initializer_list<Field> fields, std::size_t memory_size, Layout layout) {
  constexpr std::string_view what = "cannot create a table type";
  std::size_t file_size = 0;
  for (const Field& field : fields) file_size += check(H5Tget_size(field.file), what);
  Handle type(H5Tcreate(H5T_COMPOUND, layout == Layout::memory ? memory_size : file_size), H5Tclose, what);
  std::size_t file_offset = 0;
  for (const Field& field : fields) {
    if (layout == Layout::memory) {
      check(H5Tinsert(type.get(), field.name, field.offset, field.memory), what);
    } else {
      check(H5Tinsert(type.get(), field.name, file_offset, field.file), what);
    }
    file_offset += check(H5Tget_size(field.file), what);
  }
  return type;
}

}  // namespace

Handle partition_type(Layout layout) {
  using R = PartitionRecord;
  return compound(
      {
          {"round", offsetof(R, round), H5T_NATIVE_UINT32, H5T_STD_U32LE},
          {"id", offsetof(R, id), H5T_NATIVE_UINT64, H5T_STD_U64LE},
          {"row_begin", offsetof(R, row_begin), H5T_NATIVE_UINT64, H5T_STD_U64LE},
          {"row_end", offsetof(R, row_end), H5T_NATIVE_UINT64, H5T_STD_U64LE},
          {"rank", offsetof(R, rank), H5T_NATIVE_INT32, H5T_STD_I32LE},
          {"attempts", offsetof(R, attempts), H5T_NATIVE_UINT16, H5T_STD_U16LE},
          {"stolen", offsetof(R, stolen), H5T_NATIVE_UINT8, H5T_STD_U8LE},
          {"start_s", offsetof(R, start_s), H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE},
          {"end_s", offsetof(R, end_s), H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE},
          {"status", offsetof(R, status), H5T_NATIVE_UINT8, H5T_STD_U8LE},
      },
      sizeof(R), layout);
}

Handle worker_type(Layout layout) {
  using R = WorkerRow;
  Handle text = utf8_string_type();
  return compound(
      {
          {"rank", offsetof(R, rank), H5T_NATIVE_INT32, H5T_STD_I32LE},
          {"hostname", offsetof(R, hostname), text.get(), text.get()},
          {"partitions", offsetof(R, partitions), H5T_NATIVE_UINT64, H5T_STD_U64LE},
          {"busy_s", offsetof(R, busy_s), H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE},
          {"idle_s", offsetof(R, idle_s), H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE},
          {"steals_sent", offsetof(R, steals_sent), H5T_NATIVE_UINT64, H5T_STD_U64LE},
          {"steals_received", offsetof(R, steals_received), H5T_NATIVE_UINT64, H5T_STD_U64LE},
          {"bytes_read", offsetof(R, bytes_read), H5T_NATIVE_UINT64, H5T_STD_U64LE},
          {"cache_hits", offsetof(R, cache_hits), H5T_NATIVE_UINT64, H5T_STD_U64LE},
          {"steal_attempts", offsetof(R, steal_attempts), H5T_NATIVE_UINT64, H5T_STD_U64LE},
          {"steal_wait_s", offsetof(R, steal_wait_s), H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE},
          {"lost", offsetof(R, lost), H5T_NATIVE_UINT8, H5T_STD_U8LE},
      },
      sizeof(R), layout);
}

WorkerRow to_row(const WorkerRecord& record) {
  return {record.rank,          record.hostname.c_str(), record.partitions,     record.busy_s,
          record.idle_s,        record.steals_sent,      record.steals_received, record.bytes_read,
          record.cache_hits,    record.steal_attempts,   record.steal_wait_s, record.lost};
}

WorkerRecord from_row(const WorkerRow& row) {
  return {row.rank,
          row.hostname ? row.hostname : "",
          row.partitions,
          row.busy_s,
          row.idle_s,
          row.steals_sent,
          row.steals_received,
          row.bytes_read,
          row.cache_hits,
          row.steal_attempts,
          row.steal_wait_s,
          row.lost};
}

}  // namespace kdsched::io::h5
