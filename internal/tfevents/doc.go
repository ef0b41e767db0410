// Package tfevents writes TensorBoard event files, the files TensorFlow's
// summary writers and Keras' TensorBoard callback write, so that
// TensorBoard (or any reader of the format) shows cnnscope runs.
//
// Format (version "brain.Event:2", the current one; every version
// starts with "brain.Event:"): a file named
// events.out.tfevents.<unix seconds>.<hostname> holds TFRecords, each a
// little-endian uint64 length, the masked CRC32C of those 8 bytes, the
// data, and the masked CRC32C of the data. CRC32C is CRC-32 with the
// Castagnoli polynomial; masked is ((crc >> 15) | (crc << 17)) +
// 0xa282ead8 on uint32. Each record's data is a serialized Event
// protobuf (tensorboard/compat/proto/event.proto): wall_time (1,
// double, seconds since the epoch), step (2, int64) and one of
// file_version (3, string), summary (5, Summary) or session_log (7,
// SessionLog: status (1, enum SessionStatus), written only as START = 1,
// which a resumed run writes at its first step so that TensorBoard
// drops the first run's data from that step on). The first event
// holds file_version "brain.Event:2" and source_metadata (10) with
// writer "cnnscope". A Summary (summary.proto) is repeated value (1):
// tag (1) with simple_value (2, float) for a scalar or histo (5,
// HistogramProto) for a histogram. HistogramProto (histogram.proto) is
// min, max, num, sum, sum_squares (1-5, double) and the packed doubles
// bucket_limit (6) and bucket (7): bucket i counts the values in
// [bucket_limit[i-1], bucket_limit[i]), the first from -DBL_MAX. The
// limits are TensorFlow's default ones (±1e-12 growing by 10% to 1e20,
// 0, and ±DBL_MAX at the ends) with runs of empty buckets merged into
// one, as TensorFlow encodes them; TensorBoard takes min and max as the
// outer edges of the first and last non-empty bucket.
//
// Every event is written to the file at once (no buffering), so a
// reader sees each as soon as it is written and a crash loses at most
// the record being written, which readers skip as truncated.
package tfevents
