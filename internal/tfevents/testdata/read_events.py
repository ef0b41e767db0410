#!/usr/bin/python3
"""Reads a TensorBoard event file with Google's protobuf runtime, apart
from cnnscope's Go code: checks each TFRecord's length and data CRC32C
(masked), parses each record as an Event whose descriptor is built here
from the field numbers of tensorboard/compat/proto/event.proto,
summary.proto and histogram.proto, and prints the events as JSON lines.
Exits 1 on a CRC mismatch, a truncated record, a field the descriptor
does not know, or bytes that do not re-serialize identically (the Go
writer writes proto3's canonical encoding)."""

import json
import struct
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

F = descriptor_pb2.FieldDescriptorProto


def crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


TABLE = crc32c_table()


def masked_crc(data):
    c = 0xFFFFFFFF
    for b in data:
        c = TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    c ^= 0xFFFFFFFF
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def records(buf):
    off = 0
    while off < len(buf):
        if len(buf) - off < 12:
            sys.exit("offset %d: truncated header" % off)
        head = buf[off:off + 8]
        (n,) = struct.unpack("<Q", head)
        (crc,) = struct.unpack("<I", buf[off + 8:off + 12])
        if crc != masked_crc(head):
            sys.exit("offset %d: length CRC mismatch" % off)
        data = buf[off + 12:off + 12 + n]
        if len(data) != n or len(buf) < off + 16 + n:
            sys.exit("offset %d: truncated record" % off)
        (crc,) = struct.unpack("<I", buf[off + 12 + n:off + 16 + n])
        if crc != masked_crc(data):
            sys.exit("offset %d: data CRC mismatch" % off)
        yield data
        off += 16 + n


def message(fd, name, fields):
    m = fd.message_type.add(name=name)
    for fname, number, ftype, label, type_name in fields:
        f = m.field.add(name=fname, number=number, type=ftype, label=label or F.LABEL_OPTIONAL)
        if type_name:
            f.type_name = ".tb." + type_name
    return m


def event_class():
    fd = descriptor_pb2.FileDescriptorProto(name="tb_events.proto", package="tb", syntax="proto3")
    d, rep = F.TYPE_DOUBLE, F.LABEL_REPEATED
    message(fd, "HistogramProto", [("min", 1, d, 0, ""), ("max", 2, d, 0, ""), ("num", 3, d, 0, ""),
                                   ("sum", 4, d, 0, ""), ("sum_squares", 5, d, 0, ""),
                                   ("bucket_limit", 6, d, rep, ""), ("bucket", 7, d, rep, "")])
    value = message(fd, "Value", [("tag", 1, F.TYPE_STRING, 0, ""), ("simple_value", 2, F.TYPE_FLOAT, 0, ""),
                                  ("histo", 5, F.TYPE_MESSAGE, 0, "HistogramProto")])
    value.oneof_decl.add(name="value")
    value.field[1].oneof_index = 0
    value.field[2].oneof_index = 0
    message(fd, "Summary", [("value", 1, F.TYPE_MESSAGE, rep, "Value")])
    message(fd, "SourceMetadata", [("writer", 1, F.TYPE_STRING, 0, "")])
    session_log = message(fd, "SessionLog", [("status", 1, F.TYPE_ENUM, 0, "SessionLog.SessionStatus")])
    status = session_log.enum_type.add(name="SessionStatus")
    for name, number in [("STATUS_UNSPECIFIED", 0), ("START", 1), ("STOP", 2), ("CHECKPOINT", 3)]:
        status.value.add(name=name, number=number)
    event = message(fd, "Event", [("wall_time", 1, d, 0, ""), ("step", 2, F.TYPE_INT64, 0, ""),
                                  ("file_version", 3, F.TYPE_STRING, 0, ""),
                                  ("summary", 5, F.TYPE_MESSAGE, 0, "Summary"),
                                  ("session_log", 7, F.TYPE_MESSAGE, 0, "SessionLog"),
                                  ("source_metadata", 10, F.TYPE_MESSAGE, 0, "SourceMetadata")])
    event.oneof_decl.add(name="what")
    for i in (2, 3, 4):
        event.field[i].oneof_index = 0
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    desc = pool.FindMessageTypeByName("tb.Event")
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(desc)
    return message_factory.MessageFactory(pool).GetPrototype(desc)


def as_dict(ev):
    out = {"wall_time": ev.wall_time, "step": ev.step, "file_version": ev.file_version,
           "writer": ev.source_metadata.writer, "session_status": ev.session_log.status, "values": []}
    for v in ev.summary.value:
        d = {"tag": v.tag, "kind": v.WhichOneof("value")}
        if d["kind"] == "simple_value":
            d["simple_value"] = v.simple_value
        elif d["kind"] == "histo":
            h = v.histo
            d.update(min=h.min, max=h.max, num=h.num, sum=h.sum, sum_squares=h.sum_squares,
                     bucket_limit=list(h.bucket_limit), bucket=list(h.bucket))
        out["values"].append(d)
    return out


def main():
    Event = event_class()
    with open(sys.argv[1], "rb") as f:
        buf = f.read()
    for i, data in enumerate(records(buf)):
        ev = Event()
        ev.ParseFromString(data)
        ev.DiscardUnknownFields()
        if ev.SerializeToString(deterministic=True) != data:
            sys.exit("record %d: unknown fields or a non-canonical encoding" % (i + 1))
        print(json.dumps(as_dict(ev)))


main()
